import type { IncomingMessage } from 'node:http';
import type Provider from 'oidc-provider';
import { acrOf } from '../auth/service.js';
import type { BrowserSession } from '../hosted/service.js';
import { MOUNT } from './provider.js';

/** Who is signed in to Tessera in the browser a request came from (the hosted pages' session cookie). */
export type BrowserSessionOf = (req: IncomingMessage) => Promise<BrowserSession | undefined>;

/** A Tessera sign-in as the provider records it: auth_time is in seconds (OpenID Connect Core 2). */
export const signInTime = (session: BrowserSession) => Math.floor(session.authTime.getTime() / 1000);

/** The authorization endpoint and its resume (`/oidc/auth/:uid`): the requests that may reuse the provider's sign-in. */
export const reusesSignIn = (path: string) => path === `${MOUNT}/auth` || path.startsWith(`${MOUNT}/auth/`);

type Sign = 'accountId' | 'loginTs' | 'amr' | 'acr' | 'transient' | 'authorizations';
const SIGN_IN: Sign[] = ['accountId', 'loginTs', 'amr', 'acr', 'transient', 'authorizations'];

type Session = Awaited<ReturnType<Provider['Session']['get']>>;

/**
 * The provider's session (its `_session` cookie, OIDC_SESSION_TTL long) only ever holds the sign-in of the
 * Tessera browser session live in the same browser: the person and the auth_time of that session. A sign-in whose
 * Tessera session has ended (sign-out, the idle or absolute lifetime, logout-all, a password reset, suspension) is
 * taken out of it, so the request goes to the sign-in page, or answers login_required to prompt=none (OpenID
 * Connect Core 3.1.2.3). The same person signed in anew keeps their applications and follows the new sign-in;
 * another person gets none of the previous one's. A person signed in to Tessera is signed in to the provider too,
 * whether or not an application sent them to the sign-in page: a silent request (prompt=none) is answered as a
 * request with a page would be, which the interaction page (interactions.ts) finishes with that same session and
 * no page. The session itself stays (an interaction under way names it), empty while nobody is signed in.
 */
function follow(session: Session, browser: BrowserSession | undefined) {
  if (!session.accountId && !browser) return;
  if (browser && browser.userId === session.accountId && session.loginTs === signInTime(browser)) return;
  if (browser?.userId !== session.accountId) for (const field of SIGN_IN) delete session[field];
  if (browser) session.loginAccount({ accountId: browser.userId, loginTs: signInTime(browser), amr: browser.amr, acr: acrOf(browser.amr) });
  // Saved with the request's answer, with its cookie, a session new to this browser included.
  (session as Session & { touched?: boolean }).touched = true;
}

/**
 * Has every authorization request (and its resume) find the provider's session as it follows the browser's
 * Tessera session (see `follow`): the session is changed where the provider loads it for the request, before it
 * reads who is signed in, so that what it then saves (and the cookie it sets) is the followed one.
 */
export function followBrowserSessions(provider: Provider, browserSession: BrowserSessionOf) {
  const load = provider.Session.get.bind(provider.Session);
  provider.Session.get = async (ctx) => {
    const session = await load(ctx);
    if (reusesSignIn(ctx.path)) follow(session, await browserSession(ctx.req));
    return session;
  };
}
