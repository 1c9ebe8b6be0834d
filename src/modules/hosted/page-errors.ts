import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type AppError, httpErrors } from '../../http/errors.js';
import { asksForPage, sendProblem, toAppError } from '../../http/problem.js';
import { answerMissingPathsWith, answerWrongMethodsWith } from '../../http/served-methods.js';
import { pageBehind, wayBack } from './page-behind.js';
import type { PageKit } from './routes.js';

/** Refusals of a request as sent (a value past its bound, a body that is not a form, or one too large). */
const UNREADABLE = new Set([400, 413, 415]);

/** A refused request as a page in the page's language: its words (`common.<words>Title`, `common.<words>`), a link back. */
function refusalPage(
  app: FastifyInstance,
  kit: PageKit,
  request: FastifyRequest,
  reply: FastifyReply,
  refusal: AppError,
  words: 'unreadable' | 'wrongMethod' | 'notFound',
) {
  request.log.info({ code: refusal.code }, 'page request refused');
  const t = kit.t(request);
  const link = { href: pageBehind(app, request), label: t('common.back') };
  const content = { title: t(`common.${words}Title`), message: t(`common.${words}`), alert: true, link };
  return kit.message(request, reply, content, refusal.status);
}

/**
 * A page that failed on our side (the database away, a fault): logged as the app's handler logs it, and said as a
 * page in the page's language, with the reference the log holds (as the API's 5xx detail has it) and a way to try
 * again (a failed form's page as it was opened: its token and where the sign-in was going, never what was typed).
 * Nothing of the failure itself is shown.
 */
function failurePage(app: FastifyInstance, kit: PageKit, request: FastifyRequest, reply: FastifyReply, error: unknown, failure: AppError) {
  // A refusal while draining is the shutdown working as meant, not a failure worth a stack trace.
  if (failure.code === httpErrors.SHUTTING_DOWN.code) request.log.info({ code: failure.code }, 'request refused');
  else request.log.error({ err: error }, 'request failed');
  if (failure.extra.retryAfterSeconds !== undefined) reply.header('retry-after', String(failure.extra.retryAfterSeconds));
  const t = kit.t(request);
  const reference = failure.status === 503 ? '' : ` ${t('common.reference', { id: request.id })}`;
  const reopen = t('common.reopen');
  // A page asked for is asked again by its own address; a failed form's page is reopened with what opened it.
  const again = ['GET', 'HEAD'].includes(request.method)
    ? { link: { href: pageBehind(app, request), label: reopen } }
    : { back: wayBack(app, request, reopen) };
  const content = { title: t('common.somethingWrongTitle'), message: `${t('common.somethingWrong')}${reference}`, alert: true, ...again };
  return kit.message(request, reply, content, failure.status);
}

/**
 * A page request Fastify refuses before its handler runs (its body schema, its parser), or one that fails on our
 * side, is answered the way the pages answer: for a browser, a page in the page's language under the pages' policy,
 * with a link back, never the API's problem+json. Everything else, and every request that does not ask for HTML
 * (the passkey ceremonies' JSON), goes on to the app's one error handler. Registered on the pages' own instance only.
 */
export function answerUnreadableRequestsWithPage(app: FastifyInstance, kit: PageKit) {
  app.setErrorHandler(async (error, request, reply) => {
    const appError = toAppError(error);
    if (!asksForPage(request)) throw error;
    if (appError.status >= 500) return failurePage(app, kit, request, reply, error, appError);
    if (!UNREADABLE.has(appError.status)) throw error;
    return refusalPage(app, kit, request, reply, appError, 'unreadable');
  });
}

/**
 * A page's address asked with a method it does not take (a PUT to /sign-in): the core's 405 with Allow, which a
 * browser gets as a page the way refused forms are. The not-found handler that answers it runs outside the pages'
 * instance. Registered on the pages' own instance, before their routes.
 */
export function answerWrongMethodsWithPage(app: FastifyInstance, kit: PageKit) {
  answerWrongMethodsWith(app, (request, reply, refusal) =>
    asksForPage(request) ? refusalPage(app, kit, request, reply, refusal, 'wrongMethod') : sendProblem(request, reply, refusal),
  );
}

/**
 * An address beneath a page that nothing serves (`/account/`, `/account/settings`: a typed or mangled link) answers a
 * browser with a page saying so in the page's language, with a link to the page above it; a script gets the core's
 * problem+json ROUTE_NOT_FOUND. Registered on the pages' own instance, before their routes.
 */
export function answerMissingPagesWithPage(app: FastifyInstance, kit: PageKit) {
  answerMissingPathsWith(app, (request, reply, refusal) => {
    if (!asksForPage(request)) return sendProblem(request, reply, refusal);
    const canonical = canonicalPage(app, request);
    if (canonical) return reply.code(308).redirect(canonical);
    return refusalPage(app, kit, request, reply, refusal, 'notFound');
  });
}

/**
 * A page's own address mangled by a trailing slash (`/reset-password/?token=…`, a mail client's or a person's edit):
 * for a GET, the page itself with the query as it came, since a mailed link's token is in it and the page above would
 * be one without it. Only the slash goes; the address is still ours (a path, never another host).
 */
function canonicalPage(app: FastifyInstance, request: FastifyRequest) {
  if (request.method !== 'GET' && request.method !== 'HEAD') return undefined;
  const [path = '', query] = request.url.split(/\?(.*)/s, 2);
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed === path || !trimmed.startsWith('/') || trimmed.startsWith('//')) return undefined;
  if (!app.hasRoute({ method: 'GET', url: trimmed })) return undefined;
  return query === undefined ? trimmed : `${trimmed}?${query}`;
}
