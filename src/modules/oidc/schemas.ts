import { type Static, Type } from '@sinclair/typebox';
import { IdParams, Nullable, Timestamp, Uuid } from '../../http/schemas.js';
import { Paged, pageQuery } from '../../platform/paging.js';

const Uri = Type.String({ minLength: 1, maxLength: 2000 });
const Kind = Type.Union([Type.Literal('web'), Type.Literal('spa'), Type.Literal('native'), Type.Literal('service')]);
const SigningAlg = Type.Union([Type.Literal('RS256'), Type.Literal('ES256'), Type.Literal('EdDSA')], {
  description: 'how ID tokens are signed for this application; RS256 unless it asks for another',
});

export const ApplicationView = Type.Object({
  id: Uuid,
  organizationId: Nullable(
    Type.String({ format: 'uuid', description: "the organization whose administrators manage it; null: the platform's" }),
  ),
  clientId: Type.String(),
  name: Type.String(),
  kind: Kind,
  redirectUris: Type.Array(Type.String()),
  postLogoutRedirectUris: Type.Array(Type.String()),
  scopes: Type.Array(Type.String()),
  firstParty: Type.Boolean(),
  logoUri: Nullable(Type.String()),
  idTokenSigningAlg: SigningAlg,
  /** Whether the application authenticates with a secret (web and service applications). */
  confidential: Type.Boolean(),
  previousSecretValidUntil: Nullable(Timestamp),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type ApplicationView = Static<typeof ApplicationView>;

const SecretField = Type.String({ description: 'the client secret: shown this once, stored only as a hash' });
export const CreatedApplication = Type.Object({ application: ApplicationView, clientSecret: Nullable(SecretField) });
export const RotatedSecret = Type.Object({ clientSecret: SecretField, previousSecretValidUntil: Timestamp });
export const ApplicationList = Paged(ApplicationView);
export const ListApplicationsQuery = Type.Object(pageQuery(), { additionalProperties: false });
export type ListApplicationsQuery = Static<typeof ListApplicationsQuery>;

const fields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  redirectUris: Type.Array(Uri, { maxItems: 20, description: 'matched exactly; none for service applications' }),
  postLogoutRedirectUris: Type.Array(Uri, { maxItems: 20 }),
  scopes: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
    maxItems: 100,
    description:
      'what the application may ask for: OpenID Connect scopes (openid, email, profile, phone, offline_access, roles, organization) for people, Tessera permissions for a service',
  }),
  firstParty: Type.Boolean({ description: 'your own application: people are not asked to consent' }),
  logoUri: Nullable(Type.String({ format: 'uri', pattern: '^https://', maxLength: 500 })),
  idTokenSigningAlg: SigningAlg,
};

export const CreateApplicationBody = Type.Object(
  {
    name: fields.name,
    kind: Kind,
    redirectUris: Type.Optional(fields.redirectUris),
    postLogoutRedirectUris: Type.Optional(fields.postLogoutRedirectUris),
    scopes: Type.Optional(fields.scopes),
    firstParty: Type.Optional(fields.firstParty),
    logoUri: Type.Optional(fields.logoUri),
    idTokenSigningAlg: Type.Optional(fields.idTokenSigningAlg),
    organizationId: Type.Optional(
      Type.String({
        format: 'uuid',
        description:
          "the organization it belongs to: an organization's administrator's own (the default; another is refused), or any for a cross-tenant administrator, who by default registers it for the platform",
      }),
    ),
  },
  { additionalProperties: false },
);
export type CreateApplication = Static<typeof CreateApplicationBody>;
export const UpdateApplicationBody = Type.Partial(Type.Object(fields), { additionalProperties: false, minProperties: 1 });
export type UpdateApplication = Static<typeof UpdateApplicationBody>;
export const ApplicationParams = IdParams;

export const ConnectedApp = Type.Object({
  grantId: Type.String(),
  clientId: Type.String(),
  name: Type.String(),
  logoUri: Nullable(Type.String()),
  scopes: Type.Array(Type.String()),
  createdAt: Timestamp,
});
export const ConnectedAppList = Type.Object({ data: Type.Array(ConnectedApp) });
export const GrantParams = Type.Object({ grantId: Type.String({ minLength: 1, maxLength: 255 }) });

export const InteractionParams = Type.Object({ uid: Type.String({ pattern: '^[A-Za-z0-9_-]{1,100}$' }) });
export const ConsentBody = Type.Object(
  { decision: Type.Union([Type.Literal('allow'), Type.Literal('deny')]) },
  { additionalProperties: true },
);
