import type { FastifyInstance, FastifyRequest } from 'fastify';
import { toAppError } from '../../http/problem.js';
import type { PageKit } from './routes.js';

/** Refusals of a request as sent (a value past its bound, a body that is not a form, or one too large). */
const UNREADABLE = new Set([400, 413, 415]);

/** The page a refused request came from: its own address if it is a page, else the nearest page above it. */
function pageBehind(app: FastifyInstance, request: FastifyRequest) {
  const [path = '/', query] = request.url.split('?');
  for (let url = path; url; url = url.slice(0, url.lastIndexOf('/'))) {
    if (app.hasRoute({ method: 'GET', url })) return url === path && query ? `${url}?${query}` : url;
  }
  return '/sign-in';
}

/**
 * A page request Fastify refuses before its handler runs (its body schema, its parser) is answered the way the
 * pages answer: for a browser, a page in the page's language under the pages' policy, with a link back to the
 * form, never the API's problem+json. Everything else, and every request that does not ask for HTML (the passkey
 * ceremonies' JSON), goes on to the app's one error handler. Registered on the pages' own instance only.
 */
export function answerUnreadableRequestsWithPage(app: FastifyInstance, kit: PageKit) {
  app.setErrorHandler(async (error, request, reply) => {
    const appError = toAppError(error);
    if (!UNREADABLE.has(appError.status) || !request.headers.accept?.includes('text/html')) throw error;
    request.log.info({ code: appError.code }, 'page request refused');
    const t = kit.t(request);
    const link = { href: pageBehind(app, request), label: t('common.back') };
    return kit.message(
      request,
      reply,
      { title: t('common.unreadableTitle'), message: t('common.unreadable'), alert: true, link },
      appError.status,
    );
  });
}
