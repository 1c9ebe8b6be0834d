import { type Static, Type } from '@sinclair/typebox';
import { Nullable, Timestamp, Uuid } from '../../http/schemas.js';

const Ref = Type.String({ minLength: 1, maxLength: 100, description: 'a name or an id' });

export const RoleView = Type.Object({
  id: Uuid,
  name: Type.String(),
  description: Nullable(Type.String()),
  isSystem: Type.Boolean(),
  isDefault: Type.Boolean(),
  isSuperAdmin: Type.Boolean(),
  permissions: Type.Array(Type.String()),
  createdAt: Timestamp,
});
export const RoleList = Type.Object({ data: Type.Array(RoleView) });
export const RoleListQuery = Type.Object(
  { permission: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'only the roles that bundle this permission' })) },
  { additionalProperties: false },
);
const RoleName = Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_.-]{1,99}$' });
export const CreateRoleBody = Type.Object(
  {
    name: RoleName,
    description: Type.Optional(Type.String({ maxLength: 500 })),
    permissions: Type.Array(Ref, { maxItems: 200, uniqueItems: true }),
  },
  { additionalProperties: false },
);
export const UpdateRoleBody = Type.Object(
  {
    name: Type.Optional(RoleName),
    description: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
    isDefault: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
export const RolePermissionsBody = Type.Object(
  { permissions: Type.Array(Ref, { maxItems: 200, uniqueItems: true }) },
  { additionalProperties: false },
);

export const PermissionView = Type.Object({ id: Uuid, name: Type.String(), description: Nullable(Type.String()), createdAt: Timestamp });
export const PermissionList = Type.Object({ data: Type.Array(PermissionView) });
export const CreatePermissionBody = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z][a-z0-9-]*:[a-z][a-z0-9-]*$', maxLength: 100 }),
    description: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);
export const UpdatePermissionBody = Type.Object(
  { description: Nullable(Type.String({ maxLength: 500 })) },
  { additionalProperties: false },
);

export const UserTypeView = Type.Object({ id: Uuid, name: Type.String(), description: Nullable(Type.String()), createdAt: Timestamp });
export const UserTypeList = Type.Object({ data: Type.Array(UserTypeView) });
export const UserTypeBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 100 }), description: Type.Optional(Nullable(Type.String({ maxLength: 500 }))) },
  { additionalProperties: false },
);
export const PatchUserTypeBody = Type.Partial(UserTypeBody, { additionalProperties: false, minProperties: 1 });

export const GrantRolesBody = Type.Object(
  { roles: Type.Array(Ref, { minItems: 1, maxItems: 20, uniqueItems: true }) },
  { additionalProperties: false },
);
export const GrantPermissionsBody = Type.Object(
  { permissions: Type.Array(Ref, { minItems: 1, maxItems: 50, uniqueItems: true }), expiresAt: Type.Optional(Timestamp) },
  { additionalProperties: false },
);
export const UserRoleList = Type.Object({ data: Type.Array(Type.Object({ id: Uuid, name: Type.String() })) });
export const ExplainQuery = Type.Object({ explain: Type.Optional(Type.Boolean()) }, { additionalProperties: false });
export const UserPermissionList = Type.Object({
  data: Type.Array(Type.String()),
  direct: Type.Array(Type.Object({ id: Uuid, name: Type.String(), expiresAt: Nullable(Timestamp) })),
  explain: Type.Optional(
    Type.Array(
      Type.Object({
        permission: Type.String(),
        sources: Type.Array(
          Type.Object({
            kind: Type.Union([Type.Literal('role'), Type.Literal('direct')]),
            role: Type.Optional(Type.String()),
            expiresAt: Type.Optional(Nullable(Timestamp)),
          }),
        ),
      }),
    ),
  ),
});

export type CreateRole = Static<typeof CreateRoleBody>;
export type UpdateRole = Static<typeof UpdateRoleBody>;
export type CreatePermission = Static<typeof CreatePermissionBody>;
export type UpdatePermission = Static<typeof UpdatePermissionBody>;
export type CreateUserType = Static<typeof UserTypeBody>;
export type UpdateUserType = Static<typeof PatchUserTypeBody>;
