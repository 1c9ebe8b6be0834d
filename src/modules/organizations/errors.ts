import { defineErrors } from '../../http/errors.js';

export const organizationErrors = defineErrors({
  ORGANIZATION_NOT_FOUND: [404, 'Organization not found.'],
  CROSS_TENANT_REQUIRED: [403, 'This needs the tenants:all permission.'],
});
