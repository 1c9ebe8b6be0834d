import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { paths } from './schema.js';

export * from './request-bodies.js';
export type { components, operations, paths } from './schema.js';

/** Where the refresh token is kept between page loads (the access token is kept in memory only). */
export interface RefreshTokenStore {
  get(): string | null;
  set(token: string | null): void;
}

export interface TesseraClientOptions {
  /** Tessera's base URL, e.g. https://id.example.com */
  baseUrl: string;
  /** A fetch of your own (tests, proxies). */
  fetch?: (request: Request) => Promise<Response>;
  /** Default: memory only (a reload signs out). A browser app may pass one over sessionStorage. */
  refreshStore?: RefreshTokenStore;
  /** Renew the access token this long before it expires (default 60 s; at most half its lifetime). */
  refreshMarginMs?: number;
  /** Called once when the session can no longer be renewed (ended, expired, revoked). */
  onSessionEnded?: (detail: string) => void;
}

export type PublicUser = paths['/users/{id}/impersonate']['post']['responses'][201]['content']['application/json']['user'];

/** The problem+json every Tessera error answers with. */
export interface Problem {
  status?: number;
  code?: string;
  title?: string;
  detail?: string;
}

export type SignInResult =
  | { ok: true; user: PublicUser }
  | { ok: false; passwordChangeRequired: true; changeToken: string }
  /** A second factor is due: finish with `verifySecondFactor(mfaToken, …)`. */
  | { ok: false; mfaRequired: true; mfaToken: string; methods: string[] }
  /** The policy requires a second factor the person has not enrolled: the token may only enrol one. */
  | { ok: false; mfaEnrollmentRequired: true; enrollmentToken: string }
  | { ok: false; problem: Problem };

interface Held {
  accessToken: string;
  /** epoch ms: from then on the token is renewed, by the timer or before the next request */
  renewAt: number;
  refreshToken: string | null;
}

export interface Impersonation {
  user: PublicUser;
  expiresAt: string;
  sessionId: string;
}

export const problemOf = (error: unknown, fallback = 'The request failed.'): Problem =>
  error && typeof error === 'object' ? (error as Problem) : { detail: fallback };

const memoryStore = (): RefreshTokenStore => {
  let token: string | null = null;
  return { get: () => token, set: (value) => (token = value) };
};

/**
 * The typed Tessera client: every route of the OpenAPI document through `api` (openapi-fetch), plus the
 * session around it — sign-in, a silent refresh shortly before the access token expires and once on a 401,
 * and impersonation (support acting as a user, then returning to their own session).
 */
export function createTesseraClient(options: TesseraClientOptions) {
  const store = options.refreshStore ?? memoryStore();
  const margin = options.refreshMarginMs ?? 60_000;
  const baseFetch = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  let held: Held | undefined;
  /** The administrator's own session, kept aside while they act as someone else. */
  let parked: Held | undefined;
  let impersonation: Impersonation | undefined;
  let refreshing: Promise<boolean> | undefined;
  const listeners = new Set<() => void>();
  let renewal: ReturnType<typeof setTimeout> | undefined;
  const changed = () => {
    scheduleRenewal();
    for (const listener of listeners) listener();
  };

  /** The access token as it lives: renewed `margin` before it expires, or halfway through a shorter life. */
  const heldFrom = (accessToken: string, expiresIn: number, refreshToken: string | null): Held => {
    const lifetime = expiresIn * 1000;
    return { accessToken, renewAt: Date.now() + lifetime - Math.min(margin, lifetime / 2), refreshToken };
  };

  /**
   * Silent refresh: renews the held session at its `renewAt` even when no request is made, so the token in
   * hand is never expired. A failed renewal is tried again before the next request.
   */
  function scheduleRenewal() {
    clearTimeout(renewal);
    renewal = undefined;
    if (!held?.refreshToken || impersonation) return;
    renewal = setTimeout(() => void refresh().catch(() => undefined), Math.max(0, held.renewAt - Date.now()));
    // In Node a pending renewal does not keep the process alive.
    (renewal as { unref?: () => void }).unref?.();
  }

  const api: Client<paths> = createClient<paths>({ baseUrl: options.baseUrl, fetch: baseFetch });
  const bare: Client<paths> = createClient<paths>({ baseUrl: options.baseUrl, fetch: baseFetch });

  function keep(tokens: { accessToken: string; expiresIn: number; refreshToken?: string }) {
    held = heldFrom(tokens.accessToken, tokens.expiresIn, tokens.refreshToken ?? null);
    if (!impersonation) store.set(held.refreshToken);
    changed();
  }

  function end(detail: string) {
    const wasSignedIn = held !== undefined || store.get() !== null;
    held = undefined;
    parked = undefined;
    impersonation = undefined;
    store.set(null);
    changed();
    if (wasSignedIn) options.onSessionEnded?.(detail);
  }

  /** One renewal at a time; an impersonation token is never renewed (it ends instead). */
  function refresh(): Promise<boolean> {
    if (impersonation) return Promise.resolve(false);
    const refreshToken = held?.refreshToken ?? store.get();
    if (!refreshToken) return Promise.resolve(false);
    refreshing ??= bare
      .POST('/auth/refresh-token', { body: { refreshToken } })
      .then(({ data }) => {
        if (!data) {
          end('Your session has ended. Sign in again.');
          return false;
        }
        keep(data);
        return true;
      })
      .finally(() => {
        refreshing = undefined;
      });
    return refreshing;
  }

  const retries = new WeakMap<Request, Request>();
  const session: Middleware = {
    async onRequest({ request }) {
      if (held && !impersonation && Date.now() >= held.renewAt) await refresh();
      if (held) request.headers.set('authorization', `Bearer ${held.accessToken}`);
      // Kept to send again once after a 401 and a refresh (the body of the first is spent).
      if (!impersonation && (held?.refreshToken ?? store.get())) retries.set(request, request.clone());
      return request;
    },
    async onResponse({ request, response }) {
      if (response.status !== 401) return response;
      if (impersonation) {
        endImpersonation();
        options.onSessionEnded?.('The impersonation has ended.');
        return response;
      }
      const again = retries.get(request);
      if (!again || !(await refresh()) || !held) return response;
      again.headers.set('authorization', `Bearer ${held.accessToken}`);
      return baseFetch(again);
    },
  };
  api.use(session);

  function endImpersonation() {
    held = parked;
    parked = undefined;
    impersonation = undefined;
    changed();
  }

  return {
    /** Every route, typed from the OpenAPI document. */
    api,

    async signIn(input: { email?: string; username?: string; password: string }): Promise<SignInResult> {
      const { data, error } = await bare.POST('/auth/login', { body: input as never });
      if (!data) return { ok: false, problem: problemOf(error, 'Sign-in failed.') };
      if ('passwordChangeRequired' in data) return { ok: false, passwordChangeRequired: true, changeToken: data.changeToken };
      if ('mfaRequired' in data) return { ok: false, mfaRequired: true, mfaToken: data.mfaToken, methods: data.methods };
      if ('mfaEnrollmentRequired' in data) return { ok: false, mfaEnrollmentRequired: true, enrollmentToken: data.enrollmentToken };
      keep(data);
      return { ok: true, user: data.user };
    },

    /** The second step of a sign-in that answered `mfaRequired`: a TOTP or recovery code. */
    async verifySecondFactor(mfaToken: string, method: 'totp' | 'recovery_code', code: string): Promise<SignInResult> {
      const { data, error } = await bare.POST('/auth/mfa/verify', { body: { mfaToken, method, code } as never });
      if (!data || !('accessToken' in data)) return { ok: false, problem: problemOf(error, 'The code was not accepted.') };
      keep(data);
      return { ok: true, user: data.user };
    },

    /** Restores a session from the stored refresh token (after a reload); false when there is none. */
    resume: () => (held ? Promise.resolve(true) : refresh()),
    refresh,

    async signOut() {
      if (impersonation) await this.stopImpersonating();
      const refreshToken = held?.refreshToken ?? store.get() ?? undefined;
      if (held) await api.POST('/auth/logout', { body: refreshToken ? { refreshToken } : {} }).catch(() => undefined);
      held = undefined;
      store.set(null);
      changed();
    },

    /**
     * Acts in another of the person's organizations: the session moves there and its new token pair is kept
     * (POST /auth/switch-organization; 403 NOT_A_MEMBER for one they are not an active member of).
     */
    async switchOrganization(organizationId: string): Promise<{ ok: true } | { ok: false; problem: Problem }> {
      const { data, error } = await api.POST('/auth/switch-organization', { body: { organizationId } });
      if (!data) return { ok: false, problem: problemOf(error) };
      keep(data);
      return { ok: true };
    },

    /** Support: act as the user until `stopImpersonating` (or the token's 30 minutes end). */
    async impersonate(userId: string, reason: string): Promise<{ ok: true } | { ok: false; problem: Problem }> {
      const { data, error } = await api.POST('/users/{id}/impersonate', { params: { path: { id: userId } }, body: { reason } });
      if (!data) return { ok: false, problem: problemOf(error) };
      parked = held;
      impersonation = { user: data.user, expiresAt: data.expiresAt, sessionId: data.sessionId };
      held = heldFrom(data.accessToken, data.expiresIn, null);
      changed();
      return { ok: true };
    },

    /** Ends the impersonation session on the server and returns to the administrator's own session. */
    async stopImpersonating() {
      if (!impersonation) return;
      await api.POST('/auth/logout', { body: {} }).catch(() => undefined);
      endImpersonation();
    },

    get signedIn() {
      return held !== undefined;
    },
    get impersonation() {
      return impersonation;
    },
    /** Called on every change of the session (sign-in, refresh, impersonation, end); returns the unsubscribe. */
    subscribe(listener: () => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export type TesseraClient = ReturnType<typeof createTesseraClient>;
