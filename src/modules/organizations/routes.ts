import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { httpErrors } from '../../http/errors.js';
import { operations } from '../../http/operation.js';
import { requirePermission, signedIn } from '../../http/route-policy.js';
import { NoContent, problems } from '../../http/schemas.js';
import { pagingErrors } from '../../platform/paging.js';
import { organizationErrors as errors } from './errors.js';
import {
  CreateOrganizationBody,
  ListOrganizationsQuery,
  OrganizationEnvelope,
  OrganizationList,
  OrganizationParams,
  OrganizationView,
  UpdateOrganizationBody,
} from './schemas.js';
import type { OrganizationsService } from './service.js';

const operation = operations(['organizations']);

export const organizationRoutes: FastifyPluginAsyncTypebox<{ organizations: OrganizationsService }> = async (app, { organizations }) => {
  const read = requirePermission('organizations:read');
  const manage = requirePermission('organizations:manage');
  app.get(
    '/organizations',
    operation(read, {
      summary: 'List organizations',
      description: 'The organizations within your tenancy: your own, or all of them for a cross-tenant administrator.',
      querystring: ListOrganizationsQuery,
      response: { 200: OrganizationList, ...problems(pagingErrors.INVALID_CURSOR) },
    }),
    async (request) => organizations.list(signedIn(request.caller), request.query),
  );
  app.post(
    '/organizations',
    operation(manage, {
      summary: 'Create an organization',
      description: 'A new tenant with a unique slug. Only a cross-tenant administrator may create one (CROSS_TENANT_REQUIRED).',
      body: CreateOrganizationBody,
      response: { 201: OrganizationEnvelope, ...problems(errors.CROSS_TENANT_REQUIRED, httpErrors.SLUG_ALREADY_EXISTS) },
    }),
    async (request) => ({ organization: await organizations.create(signedIn(request.caller), request.body) }),
  );
  app.get(
    '/organizations/:id',
    operation(read, {
      summary: 'Get an organization',
      description: 'One organization within your tenancy; one outside it answers 404 as if it did not exist.',
      params: OrganizationParams,
      response: { 200: OrganizationView, ...problems(errors.ORGANIZATION_NOT_FOUND) },
    }),
    async (request) => organizations.get(signedIn(request.caller), request.params.id),
  );
  app.patch(
    '/organizations/:id',
    operation(manage, {
      summary: 'Change an organization',
      description:
        'Changes the fields given (name, slug, description, status, mfa: the second-factor policy of its members, null to follow MFA_POLICY; brandName, brandLogoUrl (https), brandPrimaryColor (#rrggbb): its look on the invitation pages, null to follow the BRAND_* settings); a slug already taken answers 409 SLUG_ALREADY_EXISTS.',
      params: OrganizationParams,
      body: UpdateOrganizationBody,
      response: { 200: OrganizationView, ...problems(errors.ORGANIZATION_NOT_FOUND, httpErrors.SLUG_ALREADY_EXISTS) },
    }),
    async (request) => organizations.update(signedIn(request.caller), request.params.id, request.body),
  );
  app.delete(
    '/organizations/:id',
    operation(manage, {
      summary: 'Delete an organization',
      description: 'Deletes an organization; only a cross-tenant administrator may (CROSS_TENANT_REQUIRED). The deletion is audited.',
      params: OrganizationParams,
      response: { 204: NoContent, ...problems(errors.ORGANIZATION_NOT_FOUND, errors.CROSS_TENANT_REQUIRED) },
    }),
    async (request) => {
      await organizations.remove(signedIn(request.caller), request.params.id);
    },
  );
};
