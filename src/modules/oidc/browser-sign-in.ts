import type { IncomingMessage } from 'node:http';
import type Provider from 'oidc-provider';
import { acrOf } from '../auth/service.js';
import type { BrowserSession } from '../hosted/service.js';
import { MOUNT } from './provider.js';

/** Who is signed in to Tessera in the browser a request came from (the hosted pages' session cookie). */
export type BrowserSessionOf = (req: IncomingMessage) => Promise<BrowserSession | undefined>;

/** A request as the provider's own middleware sees it (`provider.use`). */
type ProviderRequest = Parameters<Parameters<Provider['use']>[0]>[0];

/** A Tessera sign-in as the provider records it: auth_time is in seconds (OpenID Connect Core 2). */
export const signInTime = (session: BrowserSession) => Math.floor(session.authTime.getTime() / 1000);

/** The authorization endpoint and its resume (`/oidc/auth/:uid`): the requests that may reuse the provider's sign-in. */
export const reusesSignIn = (path: string) => path === `${MOUNT}/auth` || path.startsWith(`${MOUNT}/auth/`);

type Sign = 'accountId' | 'loginTs' | 'amr' | 'acr' | 'transient' | 'authorizations';
const SIGN_IN: Sign[] = ['accountId', 'loginTs', 'amr', 'acr', 'transient', 'authorizations'];

/**
 * The provider's session (its `_session` cookie, OIDC_SESSION_TTL long) only ever holds the sign-in of the
 * Tessera browser session live in the same browser: the person and the auth_time the interaction page gave it
 * (interactions.ts). Before the provider reuses it, a sign-in whose Tessera session has ended (sign-out, the
 * idle or absolute lifetime, logout-all, a password reset, suspension) is taken out of it, so the request
 * goes to the sign-in page, or answers login_required to prompt=none (OpenID Connect Core 3.1.2.3). The same
 * person signed in anew keeps their applications and follows the new sign-in; another person gets none of
 * the previous one's. The session itself stays (an interaction under way names it), empty.
 */
export async function followBrowserSession(provider: Provider, ctx: ProviderRequest, browserSession: BrowserSessionOf) {
  const session = await provider.Session.get(ctx);
  if (!session.accountId) return;
  const browser = await browserSession(ctx.req);
  if (browser && browser.userId === session.accountId) {
    if (session.loginTs === signInTime(browser)) return;
    session.loginAccount({ accountId: browser.userId, loginTs: signInTime(browser), amr: browser.amr, acr: acrOf(browser.amr) });
  } else {
    for (const field of SIGN_IN) delete session[field];
  }
  await session.persist();
}
