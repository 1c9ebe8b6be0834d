import { type Static, Type } from '@sinclair/typebox';
import { IdParams, Nullable, Timestamp, Uuid } from '../../http/schemas.js';
import { LinkedIdentity, UserRef } from '../users/schemas.js';

export const providerKinds = ['oidc', 'google', 'microsoft', 'github', 'facebook'] as const;
export const ProviderKind = Type.Union(providerKinds.map((kind) => Type.Literal(kind)));
export type ProviderKind = Static<typeof ProviderKind>;

const Slug = Type.String({ pattern: '^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$', description: 'the :provider of /auth/oauth/:provider/…' });
const HttpsUrl = Type.String({ format: 'uri', pattern: '^https://', maxLength: 500 });
const Scope = Type.String({ pattern: '^[\\x21\\x23-\\x5B\\x5D-\\x7E]{1,200}$' });
const Domain = Type.String({ pattern: '^[a-z0-9.-]{1,253}$', description: 'lowercase, e.g. example.com' });

const editable = {
  displayName: Type.String({ minLength: 1, maxLength: 100 }),
  clientId: Type.String({ minLength: 1, maxLength: 500 }),
  clientSecret: Type.String({ minLength: 1, maxLength: 2000, writeOnly: true }),
  scopes: Type.Array(Scope, {
    maxItems: 30,
    description: "default: the kind's (openid email profile; read:user user:email; email public_profile)",
  }),
  allowedDomains: Type.Array(Domain, { maxItems: 100, description: 'only verified addresses of these domains may sign in (empty: any)' }),
  signUpEnabled: Type.Boolean({ description: 'a first sign-in creates the account (default true)' }),
  trustEmailVerified: Type.Boolean({
    description:
      "the provider's word that an address is verified counts: it links to the account with that verified address, and a new account's address starts verified (false: every address it gives is unverified, so allowedDomains admits nobody; Facebook's never counts). Default: true for google, microsoft and github, false for oidc and facebook",
  }),
  enabled: Type.Boolean(),
};

export const CreateProviderBody = Type.Object(
  {
    kind: ProviderKind,
    slug: Slug,
    displayName: Type.Optional(editable.displayName),
    issuer: Type.Optional(Type.Intersect([HttpsUrl], { description: 'kind oidc: the issuer, found by discovery (https only)' })),
    tenant: Type.Optional(Type.Intersect([Uuid], { description: 'kind microsoft: the directory (tenant) id' })),
    clientId: editable.clientId,
    clientSecret: editable.clientSecret,
    scopes: Type.Optional(editable.scopes),
    allowedDomains: Type.Optional(editable.allowedDomains),
    signUpEnabled: Type.Optional(editable.signUpEnabled),
    trustEmailVerified: Type.Optional(editable.trustEmailVerified),
    enabled: Type.Optional(editable.enabled),
  },
  { additionalProperties: false },
);
export const UpdateProviderBody = Type.Partial(Type.Object(editable), { additionalProperties: false, minProperties: 1 });

export const ProviderView = Type.Object({
  id: Uuid,
  kind: ProviderKind,
  slug: Type.String(),
  displayName: Type.String(),
  issuer: Nullable(Type.String()),
  clientId: Type.String(),
  scopes: Type.Array(Type.String()),
  allowedDomains: Type.Array(Type.String()),
  signUpEnabled: Type.Boolean(),
  trustEmailVerified: Type.Boolean(),
  enabled: Type.Boolean(),
  source: Type.Union([Type.Literal('database'), Type.Literal('environment')]),
  callbackUrl: Type.String({ description: 'the redirect URI to register at the provider' }),
  createdAt: Nullable(Timestamp),
  updatedAt: Nullable(Timestamp),
});
export const ProviderTestResult = Type.Object({
  authorizationEndpoint: Type.String({ description: "the provider's authorization endpoint a sign-in is sent to" }),
  callbackUrl: Type.String({ description: 'the redirect URI the provider must have registered' }),
  scopes: Type.Array(Type.String()),
});
export const TestSignInStarted = Type.Object({
  authorizationUrl: Type.String({
    description: "the provider's sign-in page: open it in this browser; the provider sends you back to the console",
  }),
  testId: Type.String({
    format: 'uuid',
    description: 'read the result by it (GET /identity-providers/test-sign-ins/:testId) once the provider sent you back',
  }),
});
export const TestSignInParams = Type.Object({ testId: Uuid });
export const TestSignInResult = Type.Object({
  provider: Type.String({ description: 'the slug tested' }),
  testedAt: Timestamp,
  outcome: Type.Union(
    (['signs_in', 'links_by_email', 'creates_account', 'refused'] as const).map((value) => Type.Literal(value)),
    {
      description:
        'what a sign-in with this identity would do: sign in the linked account, link it to the account with its verified address, create an account, or refuse (see refusal)',
    },
  ),
  identity: Nullable(
    Type.Object(
      {
        subject: Type.String(),
        email: Nullable(Type.String()),
        emailVerified: Type.Boolean({ description: 'the provider said so and is trusted to (trustEmailVerified)' }),
        firstName: Type.String(),
        lastName: Type.String(),
      },
      { description: 'what the provider said about the person, as Tessera reads it; null when it did not sign them in' },
    ),
  ),
  account: Nullable(Type.Object({ id: Uuid, email: Type.String() }, { description: 'the account it signs in or links to' })),
  refusal: Nullable(Type.Object({ code: Type.String(), detail: Type.String() }, { description: 'why a sign-in would be refused' })),
});
export type TestSignInResult = Static<typeof TestSignInResult>;
export const ProviderEnvelope = Type.Object({ identityProvider: ProviderView });
export const ProviderList = Type.Object({ data: Type.Array(ProviderView) });
export const ProviderIdParams = IdParams;

export const ProviderParams = Type.Object({ provider: Slug });
export const AuthorizeQuery = Type.Object(
  {
    redirect_uri: Type.String({ minLength: 1, maxLength: 2000, description: 'exactly as on OAUTH_REDIRECT_ALLOWLIST' }),
    code_challenge: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$', description: "BASE64URL(SHA-256(the app's code verifier))" }),
    code_challenge_method: Type.Optional(Type.Literal('S256')),
    state: Type.Optional(Type.String({ maxLength: 500, description: "the app's own state, handed back with the code" })),
    link: Type.Optional(Type.Boolean({ description: "true: link the provider to the signed-in caller's account (Bearer)" })),
  },
  { additionalProperties: false },
);
// Providers add parameters of their own (scope, authuser, session_state …): only these are read.
export const CallbackQuery = Type.Object({
  state: Type.Optional(Type.String({ maxLength: 500 })),
  code: Type.Optional(Type.String({ maxLength: 4000 })),
  error: Type.Optional(Type.String({ maxLength: 200 })),
});
export const AuthorizationUrl = Type.Object({ authorizationUrl: Type.String() });

const CodeVerifier = Type.String({ pattern: '^[A-Za-z0-9._~-]{43,128}$', description: 'RFC 7636 code verifier' });
export const CodeExchangeBody = Type.Object(
  { code: Type.String({ minLength: 1, maxLength: 200 }), codeVerifier: CodeVerifier },
  { additionalProperties: false },
);

export const IdentityEnvelope = Type.Object({ identity: LinkedIdentity });
export const IdentityList = Type.Object({ data: Type.Array(LinkedIdentity) });
export const IdentityParams = IdParams;
export const UserIdentityParams = Type.Object({ id: UserRef, identityId: Uuid });

export type CreateProvider = Static<typeof CreateProviderBody>;
export type UpdateProvider = Static<typeof UpdateProviderBody>;
export type AuthorizeRequest = Static<typeof AuthorizeQuery>;
export type CodeExchange = Static<typeof CodeExchangeBody>;
export type IdentityView = Static<typeof LinkedIdentity>;
