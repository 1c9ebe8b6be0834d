/**
 * The auth module ("who are you?"), composed of its flows: sign-in, sessions, registration, password
 * flows, mailed one-time links, API keys and the request authenticator. The modules wired before it reach
 * it only through their events (it reacts to users'); federation, wired after it, ends its sign-ins here.
 */
import { dailySeries, type StatisticsPart } from '../ops/service.js';
import type { UserRow } from '../users/service.js';
import { createApiKeys } from './api-keys.js';
import { createAuthenticator } from './authenticate.js';
import type { AuthKit } from './deps.js';
import { createEmailChangeFlows } from './email-change.js';
import { createImpersonation } from './impersonation.js';
import { createEmailVerification, createOneTimeLinks } from './one-time-links.js';
import { createPasswordFlows } from './password-flows.js';
import { exportParts, signInsPerDay } from './queries.js';
import { createRegistration } from './registration.js';
import { createSessions } from './sessions.js';
import { createSignIn, mayHoldSession } from './sign-in.js';
import { createTemporaryPasswords } from './temporary-passwords.js';
import { reactToUserEvents } from './user-events.js';
import { createUserViews } from './user-views.js';

/** For the import: whether a sign-in can verify a password hash brought from another system, and its format. */
export { passwordHashFormat, passwordHashProblem } from './foreign-hashes.js';
/** `tessera keys rotate` and `tessera backup` (how the keys are stored) reach the signing keys directly, outside any request. */
export { rotateSigningKey, signingKeyStorage } from './signing-keys.js';

export function createAuthService(kit: AuthKit) {
  const links = createOneTimeLinks(kit);
  const signIn = createSignIn(kit);
  const apiKeys = createApiKeys(kit);
  const userViews = createUserViews(kit);
  const impersonation = createImpersonation(kit);
  reactToUserEvents(kit, links);
  return {
    ...signIn,
    /** Whether this account may sign in at all (active; verified when the deployment requires it). */
    mayHoldSession: (user: UserRow) => mayHoldSession(kit, user),
    ...createRegistration(kit, links),
    ...createPasswordFlows(kit, links),
    ...createTemporaryPasswords(kit, signIn.signIn),
    ...createEmailVerification(kit, links),
    ...createEmailChangeFlows(kit, links),
    ...createAuthenticator(kit, apiKeys, userViews, impersonation),
    impersonate: impersonation.impersonate,
    sessions: createSessions(kit, signIn, userViews),
    apiKeys,
    /** What this module holds about a user (sessions, API keys: never a secret), for their GDPR export. */
    exportParts,
    /** Its figures of the administrators' overview. */
    statistics: signInStatistics,
    jwks: kit.tokens.jwks,
    /** Rereads the signing keys now rather than at the next timer tick (after `tessera keys rotate`). */
    reloadKeys: () => kit.tokens.reloadKeys(),
    startReloadingKeys: kit.tokens.startReloading,
    stopReloadingKeys: kit.tokens.stopReloading,
  };
}

export type AuthService = ReturnType<typeof createAuthService>;

/** The overview's sign-ins per day (registered with ops at wiring time). */
const signInStatistics: StatisticsPart<'signIns'> = async (db, { organizationId, since }) => ({
  perDay: dailySeries(await signInsPerDay(db, organizationId, since), since),
});
