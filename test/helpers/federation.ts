import { createHash, randomBytes } from 'node:crypto';
import { asc, eq } from 'drizzle-orm';
import { auditLogs } from '../../src/db/schema/index.js';
import type { Harness } from './app.js';
import type { Browser } from './browser.js';
import { startOpenIdProvider } from './op.js';

export const APP_REDIRECT = 'https://app.example/callback';

/** Settings every federation test starts from: the app's redirect URI allowed, secrets sealable, limits and the outbound guard out of the way. */
export const federationConfig = {
  OAUTH_REDIRECT_ALLOWLIST: `${APP_REDIRECT},com.example.app:/oauth`,
  SIGNING_KEY_SECRET: 'cd'.repeat(32),
  AUTH_RATE_LIMIT_PER_MINUTE: '100000',
  // The test providers run on loopback (and the providers' real names are routed there: hosts.ts).
  ALLOW_PRIVATE_NETWORK_TARGETS: 'true',
};

/** The test OpenID provider, with Tessera's callback registered for each provider slug the test will add. */
export const startProviderFor = (slugs: string[]) =>
  startOpenIdProvider({
    clientId: 'tessera',
    clientSecret: 'tessera-secret',
    redirectUris: slugs.map((slug) => `https://tessera.test/auth/oauth/${slug}/callback`),
  });

/** The app's side of PKCE: a verifier it keeps and the challenge it sends. */
export function pkcePair() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function authorizePath(provider: string, challenge: string, extra: Record<string, string> = {}) {
  const query = new URLSearchParams({ redirect_uri: APP_REDIRECT, code_challenge: challenge, code_challenge_method: 'S256', ...extra });
  return `/auth/oauth/${provider}/authorize?${query}`;
}

/**
 * The whole dance as an app and a browser do it: authorize, the provider, the callback; answers where the
 * browser landed (the app's URL with `code` or `error`) and the verifier to redeem the code with.
 */
export async function signInWith(
  browser: Browser,
  provider: string,
  extra: Record<string, string> = {},
  headers: Record<string, string> = {},
) {
  const { verifier, challenge } = pkcePair();
  const stop = await browser.navigate(authorizePath(provider, challenge, extra), headers);
  return { ...stop, code: stop.url.searchParams.get('code'), error: stop.url.searchParams.get('error'), verifier };
}

export const redeem = (h: Harness, code: string | null, codeVerifier: string) =>
  h.app.inject({ method: 'POST', url: '/auth/oauth/token', payload: { code, codeVerifier } });

/** The actions the audit trail recorded about an entity, oldest first. */
export async function auditActions(h: Harness, entityId: string) {
  const rows = await h.context.database.primary.select().from(auditLogs).where(eq(auditLogs.entityId, entityId)).orderBy(asc(auditLogs.id));
  return rows.map((row) => row.action);
}
