import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { httpErrors } from '../../http/errors.js';
import { operations } from '../../http/operation.js';
import { requirePermission, signedIn } from '../../http/route-policy.js';
import { NoContent, problems } from '../../http/schemas.js';
import { federationErrors as errors } from './errors.js';
import {
  CreateProviderBody,
  ProviderEnvelope,
  ProviderIdParams,
  ProviderList,
  ProviderTestResult,
  ProviderView,
  TestSignInParams,
  TestSignInResult,
  TestSignInStarted,
  UpdateProviderBody,
} from './schemas.js';
import type { FederationService } from './service.js';

const operation = operations(['identity providers']);

/** The identity providers people sign in with; those from OAUTH_* settings are listed and read-only. */
export const providerRoutes: FastifyPluginAsyncTypebox<{ federation: FederationService }> = async (app, { federation }) => {
  const { providers } = federation;
  const manage = requirePermission('identity-providers:manage');
  const notFound = errors.IDENTITY_PROVIDER_NOT_FOUND;
  const shared = errors.IDENTITY_PROVIDERS_SHARED;

  app.get(
    '/identity-providers',
    operation(manage, {
      summary: 'List identity providers',
      description:
        'Every identity provider people may sign in with: those added here and those configured by OAUTH_* settings (read-only). Client secrets are never answered.',
      response: { 200: ProviderList },
    }),
    async () => ({
      data: await providers.list(),
    }),
  );
  app.post(
    '/identity-providers',
    operation(manage, {
      description:
        'Adds a provider of one of the supported kinds (oidc, google, microsoft, github, facebook) by slug. Storing a client secret needs SIGNING_KEY_SECRET set (CLIENT_SECRET_ENCRYPTION_REQUIRED).',
      summary: 'Add an identity provider (its client secret is stored encrypted and never answered)',
      body: CreateProviderBody,
      response: { 201: ProviderEnvelope, ...problems(httpErrors.SLUG_ALREADY_EXISTS, errors.CLIENT_SECRET_ENCRYPTION_REQUIRED, shared) },
    }),
    async (request) => ({ identityProvider: await providers.create(signedIn(request.caller), request.body) }),
  );
  app.get(
    '/identity-providers/:id',
    operation(manage, {
      summary: 'Get an identity provider',
      description: "One identity provider's settings, without its client secret.",
      params: ProviderIdParams,
      response: { 200: ProviderView, ...problems(notFound) },
    }),
    async (request) => providers.get(request.params.id),
  );
  app.patch(
    '/identity-providers/:id',
    operation(manage, {
      summary: 'Change an identity provider',
      description:
        'Changes the fields given; a new client secret replaces the stored one. Providers from OAUTH_* settings are changed in the settings, not here (IDENTITY_PROVIDER_FROM_ENVIRONMENT).',
      params: ProviderIdParams,
      body: UpdateProviderBody,
      response: {
        200: ProviderView,
        ...problems(notFound, errors.IDENTITY_PROVIDER_FROM_ENVIRONMENT, errors.CLIENT_SECRET_ENCRYPTION_REQUIRED, shared),
      },
    }),
    async (request) => providers.update(signedIn(request.caller), request.params.id, request.body),
  );
  app.post(
    '/identity-providers/:id/test',
    operation(manage, {
      summary: "Test an identity provider's settings",
      description:
        "Runs what a sign-in runs before sending the person away (discovery for OIDC, the authorization request with PKCE) and answers the provider's authorization endpoint and the callback URL to register there. A provider that cannot be reached or refuses discovery answers IDENTITY_PROVIDER_UNAVAILABLE; nothing is stored.",
      params: ProviderIdParams,
      response: { 200: ProviderTestResult, ...problems(notFound, errors.IDENTITY_PROVIDER_UNAVAILABLE) },
    }),
    async (request) => federation.testProvider(request.params.id),
  );
  app.post(
    '/identity-providers/:id/test-sign-in',
    operation(manage, {
      summary: 'Start a test sign-in with an identity provider',
      description:
        "A real sign-in at the provider that signs nobody in: open `authorizationUrl` in this browser, sign in there, and the provider's callback sends you to the console's page of this provider with the result (GET /identity-providers/test-sign-ins/:testId): what the provider said about you and what Tessera would do with it. A disabled provider can be tested before it is enabled. The result is kept ten minutes, for you only.",
      params: ProviderIdParams,
      response: { 200: TestSignInStarted, ...problems(notFound, errors.IDENTITY_PROVIDER_UNAVAILABLE, shared) },
    }),
    async (request) => federation.testSignIn.start(signedIn(request.caller), request.params.id),
  );
  app.get(
    '/identity-providers/test-sign-ins/:testId',
    operation(manage, {
      summary: 'Read the result of a test sign-in',
      description:
        "What the provider answered (the identity as Tessera reads it, or why it was refused) and the outcome a real sign-in would have: signs_in, links_by_email, creates_account or refused. Only the administrator who started the test reads it; an unknown, unfinished, expired or someone else's test answers 404 IDENTITY_PROVIDER_TEST_NOT_FOUND.",
      params: TestSignInParams,
      response: { 200: TestSignInResult, ...problems(errors.IDENTITY_PROVIDER_TEST_NOT_FOUND) },
    }),
    async (request) => federation.testSignIn.result(signedIn(request.caller), request.params.testId),
  );
  app.delete(
    '/identity-providers/:id',
    operation(manage, {
      description:
        'Deletes the provider and every identity linked through it. Providers from OAUTH_* settings are removed in the settings, not here (IDENTITY_PROVIDER_FROM_ENVIRONMENT).',
      summary: 'Remove an identity provider and the identities linked through it',
      params: ProviderIdParams,
      response: { 204: NoContent, ...problems(notFound, errors.IDENTITY_PROVIDER_FROM_ENVIRONMENT, shared) },
    }),
    async (request) => {
      await providers.remove(signedIn(request.caller), request.params.id);
    },
  );
};
