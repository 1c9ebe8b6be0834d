/**
 * The hosted pages' rules (no HTTP here): the browser session a cookie names, CSRF tokens, where a
 * sign-in goes next (a pending state's page, or `return_to`), and the sign-ins themselves, which all go
 * through the auth module's one pipeline. What other modules may use:
 * - `browserSession(request)`: who is signed in in this browser (OpenID provider, organization switcher);
 * - `pendingPages.register(…)`: the page a pending state of the sign-in pipeline continues on;
 * - `safeReturnTo(value)`: a same-origin relative path, or undefined.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AppContext } from '../../context.js';
import { AppError } from '../../http/errors.js';
import type { Caller } from '../../platform/caller.js';
import type { AuthService, BrowserSession } from '../auth/service.js';
import { accounts } from '../users/service.js';

export type { BrowserSession } from '../auth/service.js';

export interface HostedDeps {
  auth: AuthService;
}

/** The least of a request this module reads: its Cookie header. */
export interface RequestWithCookies {
  headers: { cookie?: string | undefined };
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

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === name) {
      const raw = part.slice(index + 1).trim();
      return /^[A-Za-z0-9_-]{20,200}$/.test(raw) ? raw : undefined;
    }
  }
  return undefined;
}

const digest = (value: string) => createHash('sha256').update(value).digest('base64url');

function sameToken(a: string, b: string) {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export function createHostedService(context: AppContext, deps: HostedDeps) {
  const { config } = context;
  const { auth } = deps;
  const secure = config.PUBLIC_URL.startsWith('https:');
  const cookieName = secure ? '__Host-tessera_session' : 'tessera_session';
  const pending: PendingPage[] = [];

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

    /** Who is signed in in this browser: a live session of a user who may hold one, or undefined. */
    async browserSession(request: RequestWithCookies): Promise<BrowserSession | undefined> {
      const token = cookieValue(request.headers.cookie, cookieName);
      return token ? auth.browserSessions.resolve(token) : undefined;
    },

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

    /** The signed-in person as the pages show them. */
    async person(userId: string) {
      const user = await accounts.findById(context.database.primary, userId);
      return user ? accounts.view(user) : undefined;
    },

    isAppError: (error: unknown): error is AppError => error instanceof AppError,
  };
}

export type HostedService = ReturnType<typeof createHostedService>;
