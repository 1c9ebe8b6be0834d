import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formBody, type PageKit, page } from './routes.js';
import type { HostedSignIn } from './service.js';

type Form = Record<string, string | undefined>;
const query = (request: FastifyRequest) => request.query as Record<string, string | undefined>;

/** Where a finished sign-in goes: the page of a pending state, or `return_to`, or the account. */
function proceed(kit: PageKit, reply: FastifyReply, outcome: HostedSignIn, returnTo: string | undefined) {
  if (outcome.kind === 'pending') return reply.code(303).redirect(outcome.location);
  kit.setSessionCookie(reply, outcome.cookie);
  return reply.code(303).redirect(returnTo ?? '/account');
}

/** The error a refused sign-in shows, and its status; anything unexpected is not a person's mistake. */
function refusal(kit: PageKit, request: FastifyRequest, error: unknown) {
  const t = kit.t(request);
  if (!kit.hosted.isAppError(error)) throw error;
  if (error.code === 'RATE_LIMITED')
    return { status: 429, message: t('signIn.throttled', { seconds: error.extra.retryAfterSeconds ?? 60 }) };
  if (error.code === 'INVALID_CREDENTIALS' || error.code === 'VALIDATION_FAILED') return { status: 401, message: t('signIn.invalid') };
  throw error;
}

/** /sign-in, /sign-out, /change-password (a temporary password's replacement) and /account. */
export function signInPages(app: FastifyInstance, kit: PageKit) {
  const { hosted } = kit;

  const signInPage = (request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown>, status = 200) => {
    const returnTo = hosted.safeReturnTo(extra.returnTo);
    return kit.render(
      request,
      reply,
      'sign-in.eta',
      { titleKey: 'signIn.title', links: { forgot: '/forgot-password', signUp: undefined }, ...extra, returnTo },
      status,
    );
  };

  app.get('/sign-in', page, async (request, reply) => {
    const returnTo = hosted.safeReturnTo(query(request).return_to);
    if (await hosted.browserSession(request)) return reply.code(303).redirect(returnTo ?? '/account');
    const notice = query(request).signed_out === '1' ? kit.t(request)('signIn.signedOut') : undefined;
    return signInPage(request, reply, { returnTo, notice });
  });

  app.post(
    '/sign-in',
    { ...page, schema: { ...page.schema, body: formBody(['identifier', 'password', 'csrf', 'return_to']) } },
    async (request, reply) => {
      if (!(await kit.acceptForm(request, reply))) return reply;
      const form = request.body as Form;
      const returnTo = hosted.safeReturnTo(form.return_to);
      const identifier = form.identifier ?? '';
      try {
        const outcome = await hosted.signIn(request.caller, { identifier, password: form.password ?? '' }, returnTo);
        return proceed(kit, reply, outcome, returnTo);
      } catch (error) {
        const { status, message } = refusal(kit, request, error);
        return signInPage(request, reply, { returnTo, formError: message, values: { identifier } }, status);
      }
    },
  );

  app.get('/sign-out', page, async (request, reply) => {
    const session = await hosted.browserSession(request);
    if (!session) return reply.code(303).redirect('/sign-in');
    const person = await hosted.person(session.userId);
    return kit.render(request, reply, 'sign-out.eta', { titleKey: 'signOut.title', email: person?.email ?? '' });
  });

  app.post('/sign-out', { ...page, schema: { ...page.schema, body: formBody(['csrf']) } }, async (request, reply) => {
    if (!(await kit.acceptForm(request, reply))) return reply;
    const cookie = hosted.sessionCookie(request);
    if (cookie) await hosted.signOut(request.caller, cookie);
    kit.clearSessionCookie(reply);
    return reply.code(303).redirect('/sign-in?signed_out=1');
  });

  const changePage = (request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown>, status = 200) =>
    kit.render(
      request,
      reply,
      'change-password.eta',
      {
        titleKey: 'changePassword.title',
        minLength: kit.config.PASSWORD_MIN_LENGTH,
        ...extra,
        returnTo: hosted.safeReturnTo(extra.returnTo),
      },
      status,
    );

  app.get('/change-password', page, async (request, reply) => {
    const { token, return_to } = query(request);
    if (!token) return reply.code(303).redirect('/sign-in');
    return changePage(request, reply, { token, returnTo: return_to });
  });

  app.post(
    '/change-password',
    { ...page, schema: { ...page.schema, body: formBody(['token', 'newPassword', 'csrf', 'return_to']) } },
    async (request, reply) => {
      if (!(await kit.acceptForm(request, reply))) return reply;
      const form = request.body as Form;
      const returnTo = hosted.safeReturnTo(form.return_to);
      const t = kit.t(request);
      try {
        const outcome = await hosted.replaceTemporaryPassword(
          request.caller,
          { changeToken: form.token ?? '', newPassword: form.newPassword ?? '' },
          returnTo,
        );
        return proceed(kit, reply, outcome, returnTo);
      } catch (error) {
        if (!hosted.isAppError(error)) throw error;
        if (error.code === 'INVALID_CHANGE_TOKEN') {
          return kit.render(
            request,
            reply,
            'message.eta',
            {
              title: t('changePassword.title'),
              message: t('changePassword.expired'),
              alert: true,
              link: { href: '/sign-in', label: t('signIn.title') },
            },
            400,
          );
        }
        const fieldError =
          error.code === 'PASSWORD_UNCHANGED' ? t('changePassword.unchanged') : (error.extra.errors?.[0]?.message ?? error.detail);
        return changePage(request, reply, { token: form.token, returnTo, fieldError }, 400);
      }
    },
  );

  app.get('/account', page, async (request, reply) => {
    const session = await hosted.browserSession(request);
    if (!session) return reply.code(303).redirect('/sign-in?return_to=%2Faccount');
    const person = await hosted.person(session.userId);
    return kit.render(request, reply, 'account.eta', { titleKey: 'account.title', email: person?.email ?? '' });
  });
}
