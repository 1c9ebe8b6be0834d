import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { overLongErrors } from './form-bounds.js';
import { type PageKit, page, pageQuery, postedForm } from './routes.js';
import type { AppRequest, BrowserSession, HostedSignIn } from './service.js';

type Form = Record<string, string | undefined>;

/** The sign-in page of an app's request, to come back to after a pending state (it then issues the code). */
export const appSignInPath = (app: AppRequest) =>
  `/sign-in?${new URLSearchParams({ redirect_uri: app.redirectUri, code_challenge: app.codeChallenge, code_challenge_method: 'S256', ...(app.state ? { state: app.state } : {}) })}`;

/** Where a finished sign-in goes: the page of a pending state, or `return_to`, or the account. */
export function proceed(kit: PageKit, reply: FastifyReply, outcome: HostedSignIn, returnTo: string | undefined) {
  if (outcome.kind === 'pending') return reply.code(303).redirect(outcome.location);
  kit.setSessionCookie(reply, outcome.cookie);
  return reply.code(303).redirect(returnTo ?? '/account');
}

/** The cookie just set, as the session it names (to hand the app its code in the same answer). */
export const sessionOf = (kit: PageKit, cookie: string) =>
  kit.hosted.browserSession({ headers: { cookie: `${kit.hosted.cookieName}=${cookie}` } });

/** The app's round-trip parameters as a form's hidden fields (and a provider button's query). */
export const appFields = (app: AppRequest) => ({
  redirect_uri: app.redirectUri,
  code_challenge: app.codeChallenge,
  code_challenge_method: 'S256',
  state: app.state,
});

/**
 * The sign-in page: the password form and a button per enabled identity provider, each carrying the app's
 * request (or `return_to`) through the provider and back.
 */
export async function renderSignIn(
  kit: PageKit,
  request: FastifyRequest,
  reply: FastifyReply,
  extra: Record<string, unknown>,
  status = 200,
) {
  const { hosted } = kit;
  const returnTo = hosted.safeReturnTo(extra.returnTo);
  const carried = extra.app ? (extra.app as Record<string, string | undefined>) : { return_to: returnTo };
  const query = new URLSearchParams(Object.entries(carried).filter((entry): entry is [string, string] => Boolean(entry[1]))).toString();
  // The passkey button signs in without this form: it comes back where the form would, to the app's sign-in
  // (which hands the app its code) or to `return_to`.
  const passkeyReturnTo = extra.app ? `/sign-in?${query}` : returnTo;
  const providers = (await hosted.socialProviders()).map((provider) => ({
    ...provider,
    href: `/sign-in/with/${encodeURIComponent(provider.slug)}${query ? `?${query}` : ''}`,
  }));
  return kit.render(
    request,
    reply,
    'sign-in.eta',
    {
      titleKey: 'signIn.title',
      links: { forgot: '/forgot-password', signUp: hosted.selfRegistration ? '/sign-up' : undefined },
      providers,
      ...extra,
      returnTo,
      passkeyReturnTo,
    },
    status,
  );
}

/** An app's request that cannot be served: a page saying why, never a redirect. */
export function refuseApp(kit: PageKit, request: FastifyRequest, reply: FastifyReply, reason: 'redirect' | 'pkce') {
  const t = kit.t(request);
  return kit.message(
    request,
    reply,
    { title: t('signIn.appTitle'), message: t(reason === 'redirect' ? 'signIn.appUnknown' : 'signIn.appInvalid'), alert: true },
    400,
  );
}

/** Back to the app with a one-time code for the person signed in in this browser. */
export const backToApp = async (kit: PageKit, request: FastifyRequest, reply: FastifyReply, session: BrowserSession, app: AppRequest) =>
  reply.code(303).redirect(await kit.hosted.appRedirect(request.caller, session, app));

/** The error a refused sign-in shows, and its status; anything unexpected is not a person's mistake. */
function refusal(kit: PageKit, request: FastifyRequest, reply: FastifyReply, error: unknown) {
  if (!kit.hosted.isAppError(error)) throw error;
  if (error.code === 'RATE_LIMITED') return { status: 429, message: kit.throttled(request, reply, error.extra.retryAfterSeconds) };
  if (error.code === 'INVALID_CREDENTIALS' || error.code === 'VALIDATION_FAILED')
    return { status: 401, message: kit.t(request)('signIn.invalid') };
  throw error;
}

/** /sign-in (also an app's), /sign-out and /change-password (a temporary password's replacement). */
export function signInPages(app: FastifyInstance, kit: PageKit) {
  const { hosted } = kit;

  const signInPage = (request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown>, status = 200) =>
    renderSignIn(kit, request, reply, extra, status);
  const appRefused = (request: FastifyRequest, reply: FastifyReply, reason: 'redirect' | 'pkce') => refuseApp(kit, request, reply, reason);
  const toApp = (request: FastifyRequest, reply: FastifyReply, session: BrowserSession, app: AppRequest) =>
    backToApp(kit, request, reply, session, app);

  app.get('/sign-in', page, async (request, reply) => {
    const said = pageQuery(request);
    const returnTo = hosted.safeReturnTo(said.return_to);
    const appRequest = hosted.appRequest(said);
    if (appRequest.kind === 'invalid') return appRefused(request, reply, appRequest.reason);
    const session = await hosted.browserSession(request);
    // prompt=login: an application wants a fresh sign-in (OpenID Connect Core 3.1.2.1), so a signed-in person
    // gets the form too, for themselves; select_account: the form for whoever signs in next.
    const again = said.prompt === 'login' || said.prompt === 'select_account';
    if (session && !again && appRequest.kind === 'app') return toApp(request, reply, session, appRequest);
    if (session && !again) return reply.code(303).redirect(returnTo ?? '/account');
    const person = session && said.prompt === 'login' ? await hosted.person(session.userId) : undefined;
    const t = kit.t(request);
    const notice = person
      ? t('signIn.again', { email: person.email })
      : said.signed_out === '1'
        ? t('signIn.signedOut')
        : said.deleted === '1'
          ? t('signIn.accountDeleted')
          : undefined;
    const another = new URLSearchParams(said as Record<string, string>);
    another.set('prompt', 'select_account');
    another.delete('login_hint');
    const anotherAccount = person ? `/sign-in?${another}` : undefined;
    const identifier = person?.email ?? said.login_hint;
    const forApp = appRequest.kind === 'app' ? { app: appFields(appRequest), formTarget: appRequest.redirectUri } : {};
    return signInPage(request, reply, { returnTo, notice, anotherAccount, values: { identifier }, ...forApp });
  });

  const signInFields = ['identifier', 'password', 'csrf', 'return_to', 'redirect_uri', 'code_challenge', 'code_challenge_method', 'state'];
  app.post('/sign-in', postedForm(kit.proofPage, signInFields), async (request, reply) => {
    if (!(await kit.acceptForm(request, reply))) return reply;
    const form = request.body as Form;
    const appRequest = hosted.appRequest(form);
    if (appRequest.kind === 'invalid') return appRefused(request, reply, appRequest.reason);
    const forApp = appRequest.kind === 'app' ? appRequest : undefined;
    // After a pending state (a password change) the person comes back here, and the app gets its code.
    const returnTo = forApp ? appSignInPath(forApp) : hosted.safeReturnTo(form.return_to);
    const identifier = form.identifier ?? '';
    const extra = forApp ? { app: appFields(forApp), formTarget: forApp.redirectUri } : { returnTo };
    const errors = overLongErrors(kit.t(request), form);
    if (Object.keys(errors).length > 0) return signInPage(request, reply, { ...extra, errors, values: { identifier } }, 400);
    try {
      const outcome = await hosted.signIn(request.caller, { identifier, password: form.password ?? '' }, returnTo);
      const session = forApp && outcome.kind === 'session' ? await sessionOf(kit, outcome.cookie) : undefined;
      if (forApp && session && outcome.kind === 'session') {
        kit.setSessionCookie(reply, outcome.cookie);
        return toApp(request, reply, session, forApp);
      }
      return proceed(kit, reply, outcome, returnTo);
    } catch (error) {
      const { status, message } = refusal(kit, request, reply, error);
      return signInPage(request, reply, { ...extra, formError: message, values: { identifier } }, status);
    }
  });

  app.get('/sign-out', page, async (request, reply) => {
    const session = await hosted.browserSession(request);
    if (!session) return reply.code(303).redirect('/sign-in');
    const person = await hosted.person(session.userId);
    return kit.render(request, reply, 'sign-out.eta', { titleKey: 'signOut.title', email: person?.email ?? '' });
  });

  app.post('/sign-out', postedForm(page, ['csrf']), async (request, reply) => {
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
    const { token, return_to } = pageQuery(request);
    if (!token) return reply.code(303).redirect('/sign-in');
    return changePage(request, reply, { token, returnTo: return_to });
  });

  app.post('/change-password', postedForm(kit.proofPage, ['token', 'newPassword', 'csrf', 'return_to']), async (request, reply) => {
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
      const policy = hosted.passwordRefusal(error);
      const fieldError =
        error.code === 'PASSWORD_UNCHANGED' ? t('changePassword.unchanged') : policy ? t(policy.key, policy) : error.detail;
      return changePage(request, reply, { token: form.token, returnTo, fieldError }, 400);
    }
  });
}
