import * as client from 'openid-client';
import type { BrowserContext } from 'playwright-core';
import type { Harness } from './app.js';
import { loginAs } from './auth.js';

export const APP_CALLBACK = 'https://app.example/callback';
export const APP_SIGNED_OUT = 'https://app.example/signed-out';

/** An administrator who may manage applications and read users (a service application narrows that). */
export const applicationAdmin = (h: Harness) => loginAs(h, { permissions: ['applications:manage', 'users:read'] });

/** Registers an application through the API; its view and (for confidential kinds) its one-time secret. */
export async function registerApplication(h: Harness, admin: { headers: Record<string, string> }, body: Record<string, unknown>) {
  const res = await h.app.inject({ method: 'POST', url: '/applications', headers: admin.headers, payload: body });
  if (res.statusCode !== 201) throw new Error(`application not created: ${res.statusCode} ${res.body}`);
  return res.json() as { application: { id: string; clientId: string }; clientSecret: string | null };
}

/**
 * openid-client, the relying party, configured by discovery from the issuer. `via`: the base URL of the node
 * to actually send its requests to (another node behind the same issuer).
 */
export async function relyingParty(issuer: string, clientId: string, secret: string | null, via?: string) {
  const auth = secret ? client.ClientSecretBasic(secret) : client.None();
  const fetchVia: client.CustomFetch | undefined = via
    ? (url, options) => fetch(url.replace(issuer, via), options as RequestInit)
    : undefined;
  const config = await client.discovery(new URL(issuer), clientId, undefined, auth, {
    execute: [client.allowInsecureRequests],
    ...(fetchVia ? { [client.customFetch]: fetchVia } : {}),
  });
  if (fetchVia) config[client.customFetch] = fetchVia;
  return config;
}

/** An authorization request's URL (code + PKCE, state, nonce) and what the application keeps to check its answer. */
export async function authorizationRequest(config: client.Configuration, params: Record<string, string> = {}) {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: APP_CALLBACK,
    scope: 'openid email',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...params,
  });
  return { url, verifier, state, nonce };
}

/**
 * Starts an authorization request (code + PKCE, state, nonce) in a browser page; the test signs in (or not).
 * `callback()` waits for the browser's request to the application's redirect URI (the application is not
 * there: that request carries the answer); `redeem()` exchanges its code, checking state and nonce.
 */
export async function startAuthorization(context: BrowserContext, config: client.Configuration, params: Record<string, string> = {}) {
  const { url, verifier, state, nonce } = await authorizationRequest(config, params);
  const page = await context.newPage();
  const arrived = page.waitForRequest((request) => request.url().startsWith(APP_CALLBACK), { timeout: 60_000 });
  arrived.catch(() => undefined);
  await page.goto(url.href).catch(() => undefined);
  const callback = async () => new URL((await arrived).url());
  const redeem = async (target?: URL) =>
    client.authorizationCodeGrant(config, target ?? (await callback()), {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
    });
  return { page, callback, redeem };
}
