import { type Static, Type } from '@sinclair/typebox';
import { IdParams, Nullable, Timestamp, Uuid } from '../../http/schemas.js';
import { Paged, pageQuery } from '../../platform/paging.js';

/** Who must have a second factor: nobody, nobody (but anyone may), holders of a role with permissions, everybody. */
export const MfaPolicy = Type.Union([
  Type.Literal('off'),
  Type.Literal('optional'),
  Type.Literal('required_for_admins'),
  Type.Literal('required'),
]);

const Slug = Type.String({ pattern: '^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$' });

export const OrganizationView = Type.Object({
  id: Uuid,
  name: Type.String(),
  slug: Type.String(),
  status: Type.String(),
  description: Nullable(Type.String()),
  /** Whether members need a second factor; null follows the deployment's MFA_POLICY. */
  mfa: Nullable(Type.String()),
  /** Its look on the pages that invite people to it; null: the deployment's BRAND_* settings. */
  brandName: Nullable(Type.String()),
  brandLogoUrl: Nullable(Type.String()),
  brandPrimaryColor: Nullable(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export const OrganizationEnvelope = Type.Object({ organization: OrganizationView });
export const OrganizationList = Paged(OrganizationView);
export const ListOrganizationsQuery = Type.Object(pageQuery(), { additionalProperties: false });
export type ListOrganizationsQuery = Static<typeof ListOrganizationsQuery>;
export const CreateOrganizationBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    slug: Type.Optional(Slug),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);
export const UpdateOrganizationBody = Type.Partial(
  Type.Object({
    name: Type.String({ minLength: 1, maxLength: 200 }),
    slug: Slug,
    description: Nullable(Type.String({ maxLength: 2000 })),
    status: Type.Union([Type.Literal('ACTIVE'), Type.Literal('SUSPENDED')]),
    mfa: Nullable(MfaPolicy),
    brandName: Nullable(Type.String({ minLength: 1, maxLength: 100 })),
    // https only: the pages' policy loads images from https and this origin.
    brandLogoUrl: Nullable(Type.String({ maxLength: 2000, format: 'uri', pattern: '^https://' })),
    brandPrimaryColor: Nullable(Type.String({ pattern: '^#[0-9a-fA-F]{6}$', description: '#rrggbb' })),
  }),
  { additionalProperties: false, minProperties: 1 },
);
export const OrganizationParams = IdParams;

export type CreateOrganization = Static<typeof CreateOrganizationBody>;
export type UpdateOrganization = Static<typeof UpdateOrganizationBody>;
