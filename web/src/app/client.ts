import { QueryClient } from '@tanstack/react-query';
import { createTesseraClient, type Problem, problemOf } from '@tessera/client';

/**
 * The console's one client (@tessera/client, typed from Tessera's OpenAPI document). The access token lives
 * in memory only; the refresh token survives a reload in sessionStorage (this tab only) and rotates on use.
 */
const REFRESH_KEY = 'tessera.refreshToken';
let endedMessage: string | undefined;

export const tessera = createTesseraClient({
  baseUrl: window.location.origin,
  refreshStore: {
    get: () => sessionStorage.getItem(REFRESH_KEY),
    set: (token) => (token ? sessionStorage.setItem(REFRESH_KEY, token) : sessionStorage.removeItem(REFRESH_KEY)),
  },
  onSessionEnded: (detail) => {
    endedMessage = detail;
    queryClient.clear();
  },
});
export const api = tessera.api;

/** Why the last session ended (shown once on the sign-in page). */
export const takeEndedMessage = () => {
  const message = endedMessage;
  endedMessage = undefined;
  return message;
};

export const queryClient = new QueryClient({
  defaultOptions: { queries: { staleTime: 15_000, retry: false, refetchOnWindowFocus: false } },
});

/** Turns an openapi-fetch answer into its data, or throws its problem (for TanStack Query). */
export async function must<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (error !== undefined || (data === undefined && response.status !== 204)) throw problemOf(error, `HTTP ${response.status}`);
  return data as T;
}

export const describeProblem = (error: unknown): string => {
  const problem = error as Problem | undefined;
  if (!problem) return '';
  const fields = (problem as { errors?: { path: string; message: string }[] }).errors;
  return [
    problem.detail ?? problem.title ?? 'The request failed.',
    ...(fields ?? []).map((field) => `${field.path}: ${field.message}`),
  ].join(' ');
};
