/**
 * The hosted pages' rules (no HTTP here): the browser session a cookie names, CSRF tokens, where a
 * sign-in goes next (a pending state's page, or `return_to`), and the sign-ins themselves, which all go
 * through the auth module's one pipeline. What other modules may use:
 * - `browserSession(request)`: who is signed in in this browser (OpenID provider, organization switcher);
 * - `pendingPages.register(…)`: the page a pending state of the sign-in pipeline continues on;
 * - `safeReturnTo(value)`: a same-origin relative path, or undefined.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AppContext } from '../../context.js';
import { cookieOf } from '../../http/cookies.js';
import { AppError, httpErrors } from '../../http/errors.js';
import type { Caller, SignedInCaller } from '../../platform/caller.js';
import { MAX_PASSWORD_LENGTH, type PasswordOwner, passwordProblems } from '../../platform/password-policy.js';
import type { AuthService, BrowserSession, MailedLinkKind } from '../auth/service.js';
import type { FederationService } from '../federation/service.js';
import type { InvitationsService } from '../invitations/service.js';
import type { MfaService } from '../mfa/service.js';
import type { SelfUpdate } from '../users/schemas.js';
import type { UsersService } from '../users/service.js';
import { createTranslator, isLanguage, type Language, negotiateLanguage } from './i18n/index.js';

export type { BrowserSession, MailedLinkKind } from '../auth/service.js';

/** The pages' words in one language: what another module's pages (the OpenID provider's) speak, as these do. */
export interface PageWords {
  lang: Language;
  t(key: string, values?: Record<string, unknown>): string;
}

export interface HostedDeps {
  auth: AuthService;
  invitations: InvitationsService;
  federation: FederationService;
  users: UsersService;
  mfa: MfaService;
}

/** An app's request to sign a person in and send them back with a one-time code (PKCE, S256 only). */
export interface AppRequest {
  redirectUri: string;
  codeChallenge: string;
  state?: string;
}

const PKCE_CHALLENGE = /^[A-Za-z0-9_-]{43,128}$/;

/** Where a provider's sign-in comes back to these pages (federation's callback redirects here with a code). */
export const SOCIAL_RETURN_PATH = '/sign-in/social/return';
/** Where federation sends a browser whose return from a provider matches no sign-in (expired, replayed, another browser's). */
export const SOCIAL_EXPIRED_PATH = '/sign-in/social/expired';

/** The least of a request this module reads: its Cookie header. */
export interface RequestWithCookies {
  headers: { cookie?: string | undefined };
}

/** What a page another module draws is chosen by: its cookies (the session, the language picked) and Accept-Language. */
export interface PageRequest {
  headers: { cookie?: string | undefined; 'accept-language'?: string | undefined };
}

type SignInAnswer = Awaited<ReturnType<AuthService['login']>>;
/** The answer of a sign-in that a step of the pipeline stopped (a password change, a second factor …). */
export type PendingAnswer = Exclude<SignInAnswer, { refreshToken: string }>;

/**
 * Where a pending state of the sign-in pipeline continues: `matches` recognises the pipeline's answer,
 * `location` is the page (relative path) the browser is sent to, carrying `returnTo` on.
 */
export interface PendingPage {
  name: string;
  matches(answer: Record<string, unknown>): boolean;
  location(answer: Record<string, unknown>, returnTo: string | undefined): string;
}

/** What a hosted sign-in ends in: a browser session (its cookie's value) or the page of a pending state. */
export type HostedSignIn = { kind: 'session'; cookie: string } | { kind: 'pending'; location: string };

/** `/account`, `/oidc/interaction/x?y=1`: a path on this origin. Anything else (`//evil`, `https://…`, `/\evil`) is undefined. */
export function safeReturnTo(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2000) return undefined;
  if (!value.startsWith('/') || value.startsWith('//') || value.includes('\\')) return undefined;
  // Control characters (a newline in a Location header, a tab browsers strip) are never part of a path we send to.
  for (const char of value) if (char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f) return undefined;
  try {
    const resolved = new URL(value, 'https://tessera.invalid');
    return resolved.origin === 'https://tessera.invalid' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Appends `return_to` to a page's path when there is one. */
export const withReturnTo = (path: string, returnTo: string | undefined) =>
  returnTo ? `${path}${path.includes('?') ? '&' : '?'}return_to=${encodeURIComponent(returnTo)}` : path;

/** A cookie of ours: the shape of a token we issued, else nothing. */
function cookieValue(header: string | undefined, name: string): string | undefined {
  const raw = cookieOf(header, name);
  return raw && /^[A-Za-z0-9_-]{20,200}$/.test(raw) ? raw : undefined;
}

const digest = (value: string) => createHash('sha256').update(value).digest('base64url');

function sameToken(a: string, b: string) {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * The request's caller as the person of its browser session: who acts in their own use cases. It holds no
 * permission (the pages act only on the person's own account, through the rules the API applies to it).
 */
export const signedInAs = (caller: Caller, session: BrowserSession): SignedInCaller => ({
  ...caller,
  principal: {
    userId: session.userId,
    sessionId: session.sessionId,
    amr: session.amr,
    authTime: Math.floor(session.authTime.getTime() / 1000),
    apiKeyId: null,
    organizationId: null,
    roles: [],
    permissions: new Set(),
    crossTenant: false,
  },
});

/** A message of the password policy (platform/password-policy), as a key of the pages' catalogue with its values. */
function policyWords(problem: string, minLength: number) {
  if (problem.startsWith('must be at least')) return { key: 'common.passwordTooShort', min: minLength };
  if (problem.startsWith('must be at most')) return { key: 'common.tooLong', max: MAX_PASSWORD_LENGTH };
  if (problem.startsWith('is too common')) return { key: 'common.passwordTooCommon' };
  return { key: 'common.passwordPersonal' };
}

export function createHostedService(context: AppContext, deps: HostedDeps) {
  const { config } = context;
  const { auth } = deps;
  const secure = config.PUBLIC_URL.startsWith('https:');
  const cookieName = secure ? '__Host-tessera_session' : 'tessera_session';
  const pending: PendingPage[] = [];
  const socialReturnUri = `${config.PUBLIC_URL}${SOCIAL_RETURN_PATH}`;
  const translator = createTranslator();
  deps.federation.trustOwnRedirect(socialReturnUri);
  deps.federation.showUnknownReturnsAt(`${config.PUBLIC_URL}${SOCIAL_EXPIRED_PATH}`);

  const pendingPages = {
    /** A page for one more pending state (`mfaRequired` → the second-factor page); names are unique. */
    register(page: PendingPage) {
      if (pending.some((known) => known.name === page.name)) throw new Error(`pending page ${page.name} is already registered`);
      pending.push(page);
    },
    /** The page a pending answer continues on; an answer no page knows is a bug, not a user error. */
    locate(answer: PendingAnswer, returnTo: string | undefined) {
      const record = answer as unknown as Record<string, unknown>;
      const page = pending.find((candidate) => candidate.matches(record));
      if (!page) throw new Error(`no hosted page for the pending sign-in state ${Object.keys(record).join(', ')}`);
      return page.location(record, returnTo);
    },
    names: () => pending.map((page) => page.name),
  };

  // A temporary password: its change token is exchanged on the page's first POST (the page sends no referrer).
  pendingPages.register({
    name: 'passwordChangeRequired',
    matches: (answer) => answer.passwordChangeRequired === true,
    location: (answer, returnTo) => withReturnTo(`/change-password?token=${encodeURIComponent(String(answer.changeToken))}`, returnTo),
  });

  // A second factor, and the enrolment a policy requires: their pages continue the sign-in (routes.mfa.ts).
  pendingPages.register({
    name: 'mfaRequired',
    matches: (answer) => answer.mfaRequired === true,
    location: (answer, returnTo) => withReturnTo(`/sign-in/second-factor?token=${encodeURIComponent(String(answer.mfaToken))}`, returnTo),
  });
  pendingPages.register({
    name: 'mfaEnrollmentRequired',
    matches: (answer) => answer.mfaEnrollmentRequired === true,
    location: (answer, returnTo) => withReturnTo(`/sign-in/enrol?token=${encodeURIComponent(String(answer.enrollmentToken))}`, returnTo),
  });

  /** The language the person signed in in this browser chose for themselves, if any. */
  /** Who is signed in in this browser: a live session of a user who may hold one, or undefined. */
  async function browserSession(request: RequestWithCookies): Promise<BrowserSession | undefined> {
    const token = cookieValue(request.headers.cookie, cookieName);
    return token ? auth.browserSessions.resolve(token) : undefined;
  }

  async function personLanguage(request: RequestWithCookies): Promise<Language | undefined> {
    const session = await browserSession(request);
    const language = session ? (await deps.users.findProfile(context.database.primary, session.userId))?.language : undefined;
    return isLanguage(language) ? language : undefined;
  }

  const toSession = (answer: SignInAnswer, returnTo: string | undefined): HostedSignIn =>
    'refreshToken' in answer
      ? { kind: 'session', cookie: answer.refreshToken }
      : { kind: 'pending', location: pendingPages.locate(answer, returnTo) };

  return {
    cookieName,
    secureCookie: secure,
    /** Seconds the cookie may live: the session's absolute lifetime (the database ends it sooner when idle). */
    cookieMaxAge: Math.floor(config.SESSION_MAX_AGE / 1000),
    pendingPages,
    safeReturnTo,

    /** The cookie's value of a request, if it carries one of the right shape. */
    sessionCookie: (request: RequestWithCookies) => cookieValue(request.headers.cookie, cookieName),

    browserSession,

    /**
     * The CSRF token of a browser: derived one way from its session cookie (so it is per session, needs no
     * storage and works on every node); before sign-in, from nothing (those forms rely on the
     * Origin / Sec-Fetch-Site check alone, and change nothing that a signed-out attacker could not).
     */
    csrfToken: (cookie: string | undefined) => (cookie ? digest(`tessera-csrf:${cookie}`) : 'anonymous'),
    csrfValid(cookie: string | undefined, sent: unknown) {
      if (typeof sent !== 'string') return false;
      return cookie ? sameToken(digest(`tessera-csrf:${cookie}`), sent) : sent === 'anonymous';
    },

    /** Email or username and password, through the auth module's sign-in (throttle, audit, pipeline). */
    async signIn(caller: Caller, input: { identifier: string; password: string }, returnTo: string | undefined) {
      const identifier = input.identifier.trim();
      const credentials = identifier.includes('@') ? { email: identifier } : { username: identifier };
      return toSession(await auth.login(caller, { ...credentials, password: input.password }), returnTo);
    },

    /** A temporary password replaced: the sign-in it interrupted completes (or stops at the next pending state). */
    async replaceTemporaryPassword(caller: Caller, input: { changeToken: string; newPassword: string }, returnTo: string | undefined) {
      return toSession(await auth.replaceTemporaryPassword(caller, input), returnTo);
    },

    signOut: (caller: Caller, cookie: string) => auth.browserSessions.end(caller, cookie),
    /** The same sign-out, within a use case that writes more (the OpenID provider's logout). */
    signOutWithin: auth.browserSessions.endWithin,

    /** Second factors and passkeys on the pages: the mfa module's service, and the sign-ins it finishes. */
    mfa: deps.mfa,
    /** The identity providers the sign-in page offers a button for. */
    socialProviders: () => deps.federation.signInProviders(),
    /**
     * A sign-in at a provider begins: this page is the "app" of federation's flow, with its own PKCE pair
     * and state. Answers the provider's URL and what the browser keeps (in a cookie) until it comes back.
     */
    async startSocialSignIn(caller: Caller, provider: string) {
      const verifier = randomBytes(32).toString('base64url');
      const state = randomBytes(16).toString('base64url');
      const codeChallenge = createHash('sha256').update(verifier).digest('base64url');
      const location = await deps.federation.authorize(caller, provider, {
        redirect_uri: socialReturnUri,
        code_challenge: codeChallenge,
        code_challenge_method: 'S256',
        state,
      });
      return { location, verifier, state };
    },
    /** Whether the state a provider's return carries is the one this browser started with. */
    socialStateMatches: (kept: string, returned: unknown) => typeof returned === 'string' && sameToken(kept, returned),
    /** The code federation handed back, redeemed with this browser's verifier: a session, or the next pending step. */
    async finishSocialSignIn(caller: Caller, input: { code: string; codeVerifier: string }, returnTo: string | undefined) {
      return toSession((await deps.federation.exchangeCode(caller, input)) as SignInAnswer, returnTo);
    },
    /** The second step of a waiting sign-in, from its page; with the cookie that remembers this browser when asked. */
    async verifySecondFactor(caller: Caller, input: Parameters<MfaService['verify']>[1], returnTo: string | undefined) {
      const { answer, deviceCookie } = await deps.mfa.verify(caller, input);
      return { outcome: toSession(answer as SignInAnswer, returnTo), deviceCookie };
    },
    /**
     * A stronger sign-in than this browser's (an application's acr_values): the page of its second step, or of
     * the enrolment of a first factor, coming back to `returnTo`; undefined when the session is strong enough.
     * A sign-in too old to add a factor to goes through the sign-in form again first (prompt=login: the same
     * person proves their password), and comes back to `returnTo` to be made stronger.
     */
    async stepUp(caller: Caller, session: BrowserSession, returnTo: string) {
      const answer = await deps.mfa.stepUp(caller, session);
      if (!answer) return undefined;
      if ('reauthenticationRequired' in answer) return withReturnTo('/sign-in?prompt=login', returnTo);
      return pendingPages.locate(answer, returnTo);
    },
    /** A sign-in with a passkey and no password: a session, or the page of a pending state (a temporary password's replacement). */
    async passkeySignIn(caller: Caller, input: Parameters<MfaService['passkeys']['login']>[1], returnTo: string | undefined) {
      return toSession(await deps.mfa.passkeys.login(caller, input), returnTo);
    },
    /** What a sign-in stopped for enrolment ends in once the factor is added. */
    finishedEnrolment: (answer: SignInAnswer | undefined, returnTo: string | undefined) =>
      answer ? toSession(answer, returnTo) : undefined,
    /** The browser session as the caller of a service call (a principal of its person, without permissions). */
    callerOf: signedInAs,

    /** Whether anyone may create an account here (SELF_REGISTRATION). */
    selfRegistration: config.SELF_REGISTRATION,
    /** Minutes a mailed reset link works. */
    resetLinkMinutes: Math.round(config.RESET_TOKEN_TTL / 60_000),
    /**
     * The pages' catalogue in the language these pages would choose for this request: the signed-in person's own
     * language first, then the one this browser picked, then Accept-Language. A lookup that fails (the database
     * away) leaves the browser's choice: an error page must still be drawn.
     */
    async pageWords(request: PageRequest): Promise<PageWords> {
      const preferred = await personLanguage(request).catch(() => undefined);
      const lang = negotiateLanguage({
        preferred,
        cookieHeader: request.headers.cookie,
        acceptLanguage: request.headers['accept-language'],
      });
      const fixed = translator.t(lang);
      return { lang, t: (key, values = {}) => fixed(key, values) as string };
    },
    /** The password policy's problems for its owner-to-be, as keys of the pages' catalogue (the same rule the API applies). */
    passwordProblem(password: string, owner: PasswordOwner) {
      const [problem] = passwordProblems(password, config.PASSWORD_MIN_LENGTH, owner);
      return problem === undefined ? undefined : policyWords(problem, config.PASSWORD_MIN_LENGTH);
    },
    /**
     * A refusal the API answered by the password policy (its field error), as a key of the pages' catalogue: a page
     * that cannot check the policy first (it knows neither the name nor the address it compares) still says it in
     * the person's language instead of the API's English fragment.
     */
    passwordRefusal(error: unknown) {
      const problem = error instanceof AppError && error.code === 'VALIDATION_FAILED' ? error.extra.errors?.[0]?.message : undefined;
      return problem === undefined ? undefined : policyWords(problem, config.PASSWORD_MIN_LENGTH);
    },
    /** Sign-up: the same outcome whatever the address (a taken one gets its owner a mail), as the API. */
    register: (caller: Caller, input: { email: string; password: string; firstName: string; lastName: string }, language: string) =>
      auth.register(caller, input, { language }),
    /** Whether a mailed link would still act: its page offers the button only then. */
    linkIsUsable: (kind: MailedLinkKind, token: string) => auth.linkIsUsable(kind, token),
    verifyEmail: (caller: Caller, token: string) => auth.verifyEmail(caller, token),
    /** The links an email change mails: confirm the new address, or undo the change from the old one. */
    confirmEmailChange: (caller: Caller, token: string) => auth.confirmEmailChange(caller, token),
    revertEmailChange: (caller: Caller, token: string) => auth.revertEmailChange(caller, token),
    /** "I did not sign up", from a sign-up's confirmation mail. */
    disputeRegistration: (caller: Caller, token: string) => auth.disputeRegistration(caller, token),
    forgotPassword: (caller: Caller, email: string) => auth.forgotPassword(caller, email),
    resetPassword: (caller: Caller, input: { token: string; password: string }) => auth.resetPassword(caller, input),

    /** The signed-in person as the pages show them. */
    async person(userId: string) {
      const user = await deps.users.findById(context.database.primary, userId);
      return user ? deps.users.view(user) : undefined;
    },

    isAppError: (error: unknown): error is AppError => error instanceof AppError,

    /**
     * The app round trip's parameters of a sign-in page: none (a plain sign-in), a usable request, or why
     * not (an unknown redirect_uri is a page saying so, never a redirect).
     */
    appRequest(
      params: Record<string, unknown>,
    ): { kind: 'none' } | { kind: 'invalid'; reason: 'redirect' | 'pkce' } | ({ kind: 'app' } & AppRequest) {
      const { redirect_uri: redirectUri, code_challenge: codeChallenge, code_challenge_method: method, state } = params;
      if (redirectUri === undefined && codeChallenge === undefined) return { kind: 'none' };
      if (typeof redirectUri !== 'string' || !deps.federation.redirectAllowed(redirectUri)) return { kind: 'invalid', reason: 'redirect' };
      if (typeof codeChallenge !== 'string' || !PKCE_CHALLENGE.test(codeChallenge) || method !== 'S256')
        return { kind: 'invalid', reason: 'pkce' };
      const appState = typeof state === 'string' && state.length > 0 && state.length <= 500 ? state : undefined;
      return { kind: 'app', redirectUri, codeChallenge, ...(appState ? { state: appState } : {}) };
    },
    /** The app's URL with a one-time code for the signed-in person (redeemed at POST /auth/oauth/token). */
    appRedirect: (caller: Caller, session: BrowserSession, app: AppRequest) =>
      deps.federation.issueAppCode(caller, { userId: session.userId, amr: session.amr, ...app }),

    /** The signed-in person's own account, through the self-service rules the API applies (`/users/me`). */
    account: {
      profile: (caller: Caller, session: BrowserSession) => deps.users.self.profile(signedInAs(caller, session)),
      /** The same body `PUT /users/profile` takes, validated by the route against its schema first. */
      updateProfile: (caller: Caller, session: BrowserSession, input: SelfUpdate) =>
        deps.users.self.updateProfile(signedInAs(caller, session), input),
      /** Everything held about the person (GDPR), audited as the API's export is. */
      /** The person's own API keys, through auth's rules: a key's scopes are only what the person holds now. */
      apiKeys: {
        list: async (caller: Caller, session: BrowserSession) =>
          (await auth.apiKeys.list(signedInAs(caller, session), { limit: 100 })).data,
        /** What the person may put on a key: their permissions where this browser acts. */
        scopesHeld: async (session: BrowserSession) => [...(await auth.browserSessionPrincipal(session)).permissions].sort(),
        /**
         * As POST /auth/api-keys: step-up first (the mfa module's rule), then the key with its secret, once. A form
         * creates one key: `formId`, the form's own, is claimed first, so the same form sent again (a reload of the
         * page showing the secret, a second click) answers undefined and creates none; a refused one may be sent again.
         */
        async create(
          caller: Caller,
          session: BrowserSession,
          input: { name: string; scopes: string[]; expiresAt?: string },
          formId: string,
        ) {
          const claim = `hosted:api-key-form:${session.sessionId}:${formId}`;
          // Claimed for as long as the session can live: past it, the form cannot be sent from it at all.
          if ((await context.state.increment(claim, config.SESSION_MAX_AGE)).count > 1) return undefined;
          try {
            const acting = { ...caller, principal: await auth.browserSessionPrincipal(session) };
            await deps.mfa.requireStepUp(acting);
            return await auth.apiKeys.create(acting, input);
          } catch (error) {
            await context.state.del(claim);
            throw error;
          }
        },
        revoke: (caller: Caller, session: BrowserSession, id: string) => auth.apiKeys.revoke(signedInAs(caller, session), id),
      },
      /** A new picture, as POST /users/upload-avatar takes it (formats and size as configured, stored as WebP). */
      uploadAvatar: (caller: Caller, session: BrowserSession, bytes: Buffer) =>
        deps.users.self.uploadAvatar(signedInAs(caller, session), bytes),
      /**
       * The person deletes their account (soft, as the users module rules); its sessions end with it. Without a
       * password of their own, a recent sign-in through their provider proves it is them.
       */
      deleteAccount: (caller: Caller, session: BrowserSession, currentPassword: string | undefined) =>
        deps.users.deleteOwnAccount(signedInAs(caller, session), currentPassword),
      /** How the person can prove it is them again: their password, or a sign-in through a provider they came from. */
      async waysToProveItIsThem(caller: Caller, session: BrowserSession) {
        const user = await deps.users.findById(context.database.primary, session.userId);
        const linked = new Set((await deps.federation.identities.list(signedInAs(caller, session))).map((identity) => identity.provider));
        const providers = (await deps.federation.signInProviders()).filter((provider) => linked.has(provider.slug));
        return { password: Boolean(user?.passwordHash), providers };
      },
      exportData: (caller: Caller, session: BrowserSession) => deps.users.exportUser(signedInAs(caller, session), 'me'),
      identities: (caller: Caller, session: BrowserSession) => deps.federation.identities.list(signedInAs(caller, session)),
      unlinkIdentity: (caller: Caller, session: BrowserSession, id: string) =>
        deps.federation.identities.unlinkOwn(signedInAs(caller, session), id),
      /**
       * As POST /auth/change-password (step-up), but the current password given renews the sign-in's age, as when a
       * factor is added: a sign-in without the second factor of a person who has one (a remembered browser's, one
       * from before the factor) changes nothing, whatever password it gives, until it proves the factor.
       */
      async changePassword(caller: Caller, session: BrowserSession, input: { currentPassword: string; newPassword: string }) {
        const acting = signedInAs(caller, session);
        if ((await deps.mfa.stepUpVerdict(acting)) === 'weak') throw httpErrors.STEP_UP_REQUIRED();
        return auth.changePassword(acting, input);
      },
      /** The newest of the person's sessions: a page holds more than anyone keeps signed in. */
      sessions: async (caller: Caller, session: BrowserSession) =>
        (await auth.sessions.list(signedInAs(caller, session), { limit: 100 })).data,
      endSession: (caller: Caller, session: BrowserSession, sessionId: string) => auth.sessions.end(signedInAs(caller, session), sessionId),
      /** Every other session of the person ends; this browser's stays. */
      endOtherSessions: (caller: Caller, session: BrowserSession) => auth.sessions.endOthers(signedInAs(caller, session)),
      /**
       * The person's organizations, each marked as the one this browser acts in (the session's while its
       * membership is active, else the default one, as tokens fall back) and as the default one.
       */
      async organizations(caller: Caller, session: BrowserSession) {
        const held = await deps.users.members.organizationsOf(signedInAs(caller, session), 'me');
        const inForce = held.find((organization) => organization.id === session.organizationId && organization.status === 'ACTIVE');
        const activeId = inForce?.id ?? held.find((organization) => organization.isDefault)?.id;
        return held.map((organization) => ({ ...organization, active: organization.id === activeId }));
      },
      /** This browser's session acts in another of the person's organizations (NOT_A_MEMBER otherwise). */
      switchOrganization: (caller: Caller, cookie: string, organizationId: string) =>
        auth.browserSessions.switchOrganization(caller, cookie, organizationId),
      /** Where the person's sign-ins land from now on: one of their active memberships. */
      setDefaultOrganization: (caller: Caller, session: BrowserSession, organizationId: string) =>
        deps.users.members.setDefaultOrganization(signedInAs(caller, session), organizationId),
    },

    /** What the invitation page shows: the organization, the address, whether that address has an account. */
    lookupInvitation: (token: string) => deps.invitations.lookup(token),

    /**
     * Accepts an invitation: a new person with the name and password they chose; the signed-in person of
     * this browser (their browser session is replaced by one that carries the new organization). Like every
     * sign-in it may stop at the second step or at the enrolment the organization's policy requires.
     */
    async acceptInvitation(
      caller: Caller,
      session: BrowserSession | undefined,
      input: { token: string; password?: string; firstName?: string; lastName?: string },
    ) {
      const acting: Caller = session ? signedInAs(caller, session) : caller;
      return toSession(await deps.invitations.accept(acting, input), '/account');
    },
  };
}

export type HostedService = ReturnType<typeof createHostedService>;
