import type { paths } from '@tessera/client';
import createClient, { type Middleware } from 'openapi-fetch';

/**
 * The console's API client, typed from Tessera's own OpenAPI document. The access token lives only
 * in memory; the refresh token survives a reload in sessionStorage (this tab only) and is rotated on use.
 */
const REFRESH_KEY = 'tessera.refreshToken';
let accessToken: string | undefined;

export const api = createClient<paths>({ baseUrl: window.location.origin });

const bearer: Middleware = {
  onRequest({ request }) {
    if (accessToken) request.headers.set('authorization', `Bearer ${accessToken}`);
    return request;
  },
};
api.use(bearer);

interface TokenPair {
  accessToken: string;
  refreshToken: string;
}

function keep(tokens: TokenPair) {
  accessToken = tokens.accessToken;
  sessionStorage.setItem(REFRESH_KEY, tokens.refreshToken);
}

export function forget() {
  accessToken = undefined;
  sessionStorage.removeItem(REFRESH_KEY);
}

export async function signIn(email: string, password: string): Promise<string | undefined> {
  const { data, error } = await api.POST('/auth/login', { body: { email, password } });
  if (error || !data || !('accessToken' in data)) return (error as { detail?: string } | undefined)?.detail ?? 'Sign-in failed.';
  keep(data as TokenPair);
  return undefined;
}

/** Restores a session after a reload, or renews an expired access token; false when signed out. */
export async function resume(): Promise<boolean> {
  const refreshToken = sessionStorage.getItem(REFRESH_KEY);
  if (!refreshToken) return false;
  const { data } = await api.POST('/auth/refresh-token', { body: { refreshToken } });
  if (!data) {
    forget();
    return false;
  }
  keep(data as TokenPair);
  return true;
}

export async function signOut() {
  const refreshToken = sessionStorage.getItem(REFRESH_KEY) ?? undefined;
  await api.POST('/auth/logout', { body: refreshToken ? { refreshToken } : {} });
  forget();
}
