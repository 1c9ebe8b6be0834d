import { type Static, Type } from '@sinclair/typebox';
import { Nullable, Timestamp, Uuid } from '../../http/schemas.js';
import { Paged, pageQuery } from '../../platform/paging.js';
import { UserRef } from './schemas.js';

const MembershipStatus = Type.Union([Type.Literal('ACTIVE'), Type.Literal('SUSPENDED')]);
const RoleRefs = Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
  maxItems: 50,
  description: 'role names or ids, held within this organization',
});

export const MemberView = Type.Object({
  userId: Uuid,
  email: Type.String(),
  firstName: Type.String(),
  lastName: Type.String(),
  status: MembershipStatus,
  joinedAt: Timestamp,
  invitedBy: Nullable(Uuid),
  roles: Type.Array(Type.String(), { description: 'the roles held within this organization' }),
});
export const MemberEnvelope = Type.Object({ member: MemberView });
export const MemberList = Paged(MemberView);
export const MemberParams = Type.Object({ id: Uuid, userId: UserRef });
export const ListMembersQuery = Type.Object(
  {
    ...pageQuery(),
    role: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'members holding this role (by name) here' })),
    status: Type.Optional(MembershipStatus),
    search: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);
export const AddMemberBody = Type.Object({ userId: Uuid, roleIds: Type.Optional(RoleRefs) }, { additionalProperties: false });
export const UpdateMemberBody = Type.Object(
  { roleIds: Type.Optional(RoleRefs), status: Type.Optional(MembershipStatus) },
  { additionalProperties: false, minProperties: 1 },
);

export const UserOrganization = Type.Object({
  id: Uuid,
  name: Type.String(),
  slug: Type.String(),
  status: MembershipStatus,
  joinedAt: Timestamp,
  roles: Type.Array(Type.String(), { description: 'the roles held within this organization' }),
  isDefault: Type.Boolean({ description: 'where sign-in lands' }),
});
export const UserOrganizationList = Type.Object({ data: Type.Array(UserOrganization) });
export const UserOrganizationParams = Type.Object({ id: UserRef, organizationId: Uuid });
export const DefaultOrganizationBody = Type.Object({ organizationId: Uuid }, { additionalProperties: false });

export type ListMembersQuery = Static<typeof ListMembersQuery>;
export type AddMember = Static<typeof AddMemberBody>;
export type UpdateMember = Static<typeof UpdateMemberBody>;
