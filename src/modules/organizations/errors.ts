import { defineErrors } from '../../http/errors.js';

export const organizationErrors = defineErrors({
  ORGANIZATION_NOT_FOUND: [404, 'Organization not found.'],
  CROSS_TENANT_REQUIRED: [403, 'This needs the tenants:all permission.'],
  MEMBERSHIP_NOT_FOUND: [404, 'This person is not a member of the organization.'],
  NOT_A_MEMBER: [403, 'You are not an active member of this organization.'],
  ALREADY_A_MEMBER: [409, 'This person is already a member of the organization.'],
  LAST_ORGANIZATION_ADMIN: [409, 'The last administrator of an organization cannot leave it, be suspended or lose that role.'],
});
