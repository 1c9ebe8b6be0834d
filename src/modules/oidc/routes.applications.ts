import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { httpErrors } from '../../http/errors.js';
import { operations } from '../../http/operation.js';
import { requirePermission, signedIn } from '../../http/route-policy.js';
import { NoContent, problems } from '../../http/schemas.js';
import { pagingErrors } from '../../platform/paging.js';
import { accessErrors } from '../access/errors.js';
import { organizationErrors } from '../organizations/errors.js';
import type { Applications } from './applications.js';
import { oidcErrors as errors } from './errors.js';
import {
  ApplicationList,
  ApplicationParams,
  ApplicationView,
  CreateApplicationBody,
  CreatedApplication,
  ListApplicationsQuery,
  RotatedSecret,
  UpdateApplicationBody,
} from './schemas.js';

const operation = operations(['applications']);

/**
 * /applications: the OpenID Connect clients people sign in to with Tessera, managed by administrators; an
 * organization's administrator sees and manages their organization's only (any other answers 404).
 */
export const applicationRoutes: FastifyPluginAsyncTypebox<{ applications: Applications }> = async (app, { applications }) => {
  const manage = requirePermission('applications:manage');
  const shaping = [errors.INVALID_REDIRECT_URI, errors.UNKNOWN_SCOPE, errors.APPLICATION_SCOPE_NOT_HELD];
  // A service application's tokens act as its owner: only who may act on them (and holds its scopes) controls it.
  const control = [errors.APPLICATION_NOT_FOUND, accessErrors.ACCOUNT_HOLDS_MORE_ACCESS, errors.APPLICATION_SCOPE_NOT_HELD];
  app.get(
    '/applications',
    operation(manage, {
      summary: 'List applications',
      description:
        "The applications (OpenID Connect clients) registered with Tessera, oldest first: an organization's administrator's organization's, every one for a cross-tenant administrator. Secrets are never shown.",
      querystring: ListApplicationsQuery,
      response: { 200: ApplicationList, ...problems(pagingErrors.INVALID_CURSOR) },
    }),
    async (request) => applications.list(signedIn(request.caller), request.query),
  );
  app.post(
    '/applications',
    operation(manage, {
      summary: 'Register an application',
      description:
        "A web, single-page, native or service application. Web and service applications get a client secret, shown in this answer only and stored as a hash; single-page and native ones use PKCE alone. A service's scopes are Tessera permissions you hold. It belongs to your organization; only a cross-tenant administrator names another or none (the platform's), or makes it first party (CROSS_TENANT_REQUIRED); an organization that does not exist answers 409 REFERENCE_CONFLICT.",
      body: CreateApplicationBody,
      response: {
        201: CreatedApplication,
        ...problems(...shaping, organizationErrors.CROSS_TENANT_REQUIRED, httpErrors.REFERENCE_CONFLICT),
      },
    }),
    (request) => applications.create(signedIn(request.caller), request.body),
  );
  app.get(
    '/applications/:id',
    operation(manage, {
      summary: 'Get an application',
      description:
        "One application, without its secret. Another organization's, or the platform's, answers 404 to an organization's administrator.",
      params: ApplicationParams,
      response: { 200: ApplicationView, ...problems(errors.APPLICATION_NOT_FOUND) },
    }),
    async (request) => applications.get(signedIn(request.caller), request.params.id),
  );
  app.patch(
    '/applications/:id',
    operation(manage, {
      summary: 'Change an application',
      description:
        "Changes the fields given; the change applies to the next request the application makes, on every node. A scope taken away ends what people have granted the application (its refresh and access tokens stop working; it asks again for what it may still have). A service application's tokens act as its owner: it is changed only by its owner or by someone holding at least what they hold (ACCOUNT_HOLDS_MORE_ACCESS), and its scopes stay within what its owner holds. Only a cross-tenant administrator makes it first party (CROSS_TENANT_REQUIRED).",
      params: ApplicationParams,
      body: UpdateApplicationBody,
      response: { 200: ApplicationView, ...problems(...control, ...shaping, organizationErrors.CROSS_TENANT_REQUIRED) },
    }),
    async (request) => applications.update(signedIn(request.caller), request.params.id, request.body),
  );
  app.delete(
    '/applications/:id',
    operation(manage, {
      summary: 'Delete an application',
      description:
        'Removes the application; its grants and tokens stop working at once. A service application is removed only by its owner or by someone holding at least what they hold.',
      params: ApplicationParams,
      response: { 204: NoContent, ...problems(...control) },
    }),
    async (request) => {
      await applications.remove(signedIn(request.caller), request.params.id);
    },
  );
  app.post(
    '/applications/:id/secret',
    operation(manage, {
      summary: "Rotate an application's client secret",
      description:
        'A new secret, shown in this answer only. The previous one keeps working until `previousSecretValidUntil` (APPLICATION_SECRET_GRACE), so the application can be redeployed without downtime. The secret of a service application is rotated only by its owner or by someone holding at least what they hold and every permission its tokens carry.',
      params: ApplicationParams,
      response: { 200: RotatedSecret, ...problems(...control, errors.APPLICATION_HAS_NO_SECRET) },
    }),
    async (request) => applications.rotateSecret(signedIn(request.caller), request.params.id),
  );
};
