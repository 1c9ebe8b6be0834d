import formbody from '@fastify/formbody';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { operations } from '../../http/operation.js';
import { asksForPage, toAppError } from '../../http/problem.js';
import { authenticated, publicRoute, signedIn } from '../../http/route-policy.js';
import { NoContent, problems } from '../../http/schemas.js';
import { oidcErrors as errors } from './errors.js';
import type { InteractionStep } from './interactions.js';
import { ConnectedAppList, ConsentBody, GrantParams, InteractionParams } from './schemas.js';
import type { OidcService } from './service.js';
import { escapeHtml, messagePage } from './views.js';

const operation = operations(['sign in with Tessera']);

const Redirect = (description: string) => ({ type: 'null', description }) as const;
const Html = { type: 'string', description: 'an HTML page' } as const;

/**
 * /oidc/interaction/:uid: the provider's sign-in and consent steps, in the person's browser. The provider's
 * own endpoints are not Fastify routes (see runtime.ts); these pages are Tessera's.
 */
export const interactionRoutes: FastifyPluginAsyncTypebox<{ oidc: OidcService }> = async (app, { oidc }) => {
  await app.register(formbody);
  const answer = (step: InteractionStep, reply: import('fastify').FastifyReply) =>
    'redirect' in step ? reply.redirect(step.redirect, 303) : reply.type('text/html; charset=utf-8').send(step.html);
  // A person back on a request that is finished or expired (the back button after consenting, a tab left open)
  // is in a browser: a page says what happened and what to do, where problem+json would show them raw JSON.
  app.setErrorHandler(async (error, request, reply) => {
    const refusal = toAppError(error);
    if (refusal.code !== errors.INTERACTION_NOT_FOUND.code || !asksForPage(request)) throw error;
    const words = await oidc.pageWords(request.raw);
    const page = messagePage(words, words.t('oidc.failedTitle'), escapeHtml(words.t('oidc.finished')));
    return reply.code(refusal.status).type('text/html; charset=utf-8').send(page);
  });

  app.get(
    '/oidc/interaction/:uid',
    operation(publicRoute, {
      summary: "Continue an application's sign-in request",
      description:
        'Where the provider sends the browser: with a Tessera browser session that satisfies the request (max_age, prompt=login, acr_values) the sign-in finishes and the browser goes back to the application; without one, to the hosted sign-in page, which returns here. A session weaker than the acr asked for (aal2: a second factor) goes to the second-factor page (or, without a factor, its enrolment) first. Third-party applications then show a consent page.',
      params: InteractionParams,
      response: {
        200: Html,
        303: Redirect('To the sign-in page, or the second-factor page of a step-up'),
        ...problems(errors.INTERACTION_NOT_FOUND),
      },
    }),
    async (request, reply) => {
      const session = await oidc.browserSession(request.raw);
      return answer(await oidc.interactions.show({ req: request.raw, res: reply.raw }, request.caller, session), reply);
    },
  );
  app.post(
    '/oidc/interaction/:uid/confirm',
    operation(publicRoute, {
      summary: 'Allow or deny an application',
      description:
        "The consent page's answer (form-encoded `decision=allow|deny`): a page that takes the browser back to the provider, then the application.",
      params: InteractionParams,
      body: ConsentBody,
      response: { 200: Html, ...problems(errors.INTERACTION_NOT_FOUND) },
    }),
    async (request, reply) =>
      answer(await oidc.interactions.confirm({ req: request.raw, res: reply.raw }, request.caller, request.body.decision), reply),
  );

  app.get(
    '/auth/connected-apps',
    operation(authenticated, {
      summary: 'List your connected apps',
      description: 'The applications you have let sign you in, with what each may see.',
      response: { 200: ConnectedAppList },
    }),
    async (request) => oidc.connectedApps.list(signedIn(request.caller)),
  );
  app.delete(
    '/auth/connected-apps/:grantId',
    operation(authenticated, {
      summary: 'Disconnect an app',
      description: 'Takes back what you let the application see: its tokens stop working and it must ask again.',
      params: GrantParams,
      response: { 204: NoContent, ...problems(errors.GRANT_NOT_FOUND) },
    }),
    async (request) => {
      await oidc.connectedApps.revoke(signedIn(request.caller), request.params.grantId);
    },
  );
};
