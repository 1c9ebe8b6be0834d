import { Type } from '@sinclair/typebox';

const Uuid = Type.String({ format: 'uuid' });
const Slug = Type.String({ pattern: '^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$' });

export const OrganizationView = Type.Object({
  id: Uuid,
  name: Type.String(),
  slug: Type.String(),
  status: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export const OrganizationEnvelope = Type.Object({ organization: OrganizationView });
export const OrganizationList = Type.Object({ data: Type.Array(OrganizationView) });
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
    description: Type.Union([Type.String({ maxLength: 2000 }), Type.Null()]),
    status: Type.Union([Type.Literal('ACTIVE'), Type.Literal('SUSPENDED')]),
  }),
  { additionalProperties: false },
);
export const OrganizationParams = Type.Object({ id: Uuid });
