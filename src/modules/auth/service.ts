/**
 * The auth module ("who are you?"), composed of its flows: sign-in, sessions, registration, password
 * flows, mailed one-time links, API keys and the request authenticator. The modules wired before it reach
 * it only through their events (it reacts to users'); federation, wired after it, ends its sign-ins here.
 */
import { dailySeries, type StatisticsPart } from '../ops/service.js';
import type { UserRow } from '../users/service.js';
import { createAccountClaims, createRegistrationDisputes } from './account-claim.js';
import { createApiKeys } from './api-keys.js';
import { createAuthenticator } from './authenticate.js';
import { createBrowserSessions } from './browser-sessions.js';
import type { AuthKit } from './deps.js';
import { createEmailChangeFlows } from './email-change.js';
import { verifyStoredPassword } from './foreign-hashes.js';
import { createImpersonation } from './impersonation.js';
import { createEmailVerification, createOneTimeLinks, passwordStamp } from './one-time-links.js';
import { createPasswordFlows } from './password-flows.js';
import { exportParts, type OneTimePurpose, signInsPerDay } from './queries.js';
import { createRegistration } from './registration.js';
import { createSealedContinuations, type SealedContinuations } from './sealed-continuations.js';

export type { Sealed } from './sealed-continuations.js';

import { createSessions } from './sessions.js';
import { createSignIn, mayHoldSession } from './sign-in.js';
import { createTemporaryPasswords } from './temporary-passwords.js';
import { reactToUserEvents } from './user-events.js';
import { createUserViews } from './user-views.js';

export type { BearerVerifier } from './authenticate.js';
export type { BrowserSession } from './browser-sessions.js';
/** For the import: whether a sign-in can verify a password hash brought from another system, and its format. */
export { passwordHashFormat, passwordHashProblem } from './foreign-hashes.js';
/** `tessera keys rotate` and `tessera backup` (how the keys are stored) reach the signing keys directly, outside any request. */
/** The OpenID provider signs with every kind of key in the store (made on its first start). */
export { ensureSigningKey, KEY_ALGORITHMS, loadPrivateJwks, rotateSigningKey, signingKeyStorage } from './signing-keys.js';
/** The strengths of a sign-in (`acr`): the OpenID provider publishes them and steps a sign-in up to the one asked for. */
export { ACR_VALUES, type Acr, acrOf } from './tokens.js';

type Flow<F extends (...args: never[]) => unknown> = ReturnType<F>;

/** The mailed links whose page asks for a click before they act. */
export type MailedLinkKind = 'verify-email' | 'confirm-email-change' | 'revert-email-change' | 'dispute-registration';
const LINK_PURPOSES: Record<MailedLinkKind, OneTimePurpose> = {
  'verify-email': 'EMAIL_VERIFICATION',
  'confirm-email-change': 'EMAIL_CHANGE',
  'revert-email-change': 'EMAIL_CHANGE_REVERT',
  'dispute-registration': 'REGISTRATION_DISPUTE',
};

/** What auth publishes: its routes' flows, the sign-in pipeline other ways in end in, sessions, keys. */
export interface AuthService
  extends Pick<Flow<typeof createSignIn>, 'signIn' | 'login' | 'authenticationOf' | 'admitAttempt' | 'clearFailures'>,
    Flow<typeof createRegistration>,
    Flow<typeof createPasswordFlows>,
    Flow<typeof createTemporaryPasswords>,
    Flow<typeof createEmailVerification>,
    Flow<typeof createEmailChangeFlows>,
    Flow<typeof createRegistrationDisputes>,
    Flow<typeof createAuthenticator> {
  /** Continuations a sign-in hands out that no row holds (the second step's mfaToken), sealed under the signing keys. */
  continuations: SealedContinuations;
  /**
   * A link that reached the account's mailbox sets its password (an invitation's): its address is proven, and at
   * its first proof the account is claimed from whoever held it unproven (`auth.account_claimed`). In the caller's
   * use case, before the sign-in it answers.
   */
  markAddressProven: Flow<typeof createAccountClaims>['markAddressProven'];
  /** Whether this account may sign in at all (active; verified when the deployment requires it). */
  mayHoldSession(user: UserRow): boolean;
  /** Whether `password` is this account's (an account without a password has none to give). */
  verifyPassword(user: UserRow, password: string): Promise<boolean>;
  /**
   * A fingerprint of the account's password as it is now (never the hash itself): a sign-in's continuation made
   * before a new password no longer matches it.
   */
  passwordStamp(user: UserRow): string;
  /**
   * Whether a mailed link of this kind would still act (unknown, used, expired and outlived alike say no): the
   * page a link opens shows its button only then. Nothing changes.
   */
  linkIsUsable(kind: MailedLinkKind, token: string): Promise<boolean>;
  sessions: Flow<typeof createSessions>;
  /** Support acting as a person (RFC 8693 `act`): a short token of its own session, audited. */
  impersonate: Flow<typeof createImpersonation>['impersonate'];
  /** Its figures of the administrators' overview. */
  statistics: StatisticsPart<'signIns'>;
  apiKeys: Flow<typeof createApiKeys>;
  /** The hosted pages' browser session: a cookie turned into a live session. */
  browserSessions: Flow<typeof createBrowserSessions>;
  /** What this module holds about a user (sessions, API keys: never a secret), for their GDPR export. */
  exportParts: typeof exportParts;
  jwks: AuthKit['tokens']['jwks'];
  /** Rereads the signing keys now rather than at the next timer tick (after `tessera keys rotate`). */
  reloadKeys(): ReturnType<AuthKit['tokens']['reloadKeys']>;
  startReloadingKeys: AuthKit['tokens']['startReloading'];
  stopReloadingKeys: AuthKit['tokens']['stopReloading'];
}

export function createAuthService(kit: AuthKit): AuthService {
  const links = createOneTimeLinks(kit);
  const signIn = createSignIn(kit);
  const apiKeys = createApiKeys(kit);
  const userViews = createUserViews(kit);
  const impersonation = createImpersonation(kit);
  reactToUserEvents(kit, links);
  const registration = createRegistration(kit, links);
  const claims = createAccountClaims(kit);
  const passwords = createPasswordFlows(kit, links, signIn, claims);
  const temporaryPasswords = createTemporaryPasswords(kit, signIn.signIn);
  const verification = createEmailVerification(kit, links);
  const emailChange = createEmailChangeFlows(kit, links);
  const disputes = createRegistrationDisputes(kit, links, claims);
  const authenticator = createAuthenticator(kit, apiKeys, userViews, impersonation);
  return {
    signIn: signIn.signIn,
    login: signIn.login,
    authenticationOf: signIn.authenticationOf,
    admitAttempt: signIn.admitAttempt,
    clearFailures: signIn.clearFailures,
    continuations: createSealedContinuations(kit.tokens),
    markAddressProven: claims.markAddressProven,
    mayHoldSession: (user) => mayHoldSession(kit, user),
    verifyPassword: async (user, password) =>
      (await verifyStoredPassword(user.passwordHash ?? kit.dummyHash, password)) && user.passwordHash !== null,
    passwordStamp,
    linkIsUsable: (kind, token) => links.isUsable(kit.context.database.primary, token, [LINK_PURPOSES[kind]]),
    register: registration.register,
    forgotPassword: passwords.forgotPassword,
    resetPassword: passwords.resetPassword,
    changePassword: passwords.changePassword,
    setPassword: temporaryPasswords.setPassword,
    replaceTemporaryPassword: temporaryPasswords.replaceTemporaryPassword,
    verifyEmail: verification.verifyEmail,
    resendVerification: verification.resendVerification,
    confirmEmailChange: emailChange.confirmEmailChange,
    revertEmailChange: emailChange.revertEmailChange,
    disputeRegistration: disputes.disputeRegistration,
    authenticate: authenticator.authenticate,
    registerBearerVerifier: authenticator.registerBearerVerifier,
    me: authenticator.me,
    browserSessionPrincipal: authenticator.browserSessionPrincipal,
    impersonate: impersonation.impersonate,
    sessions: createSessions(kit, signIn, userViews),
    /** The hosted pages' cookie sessions (rows of the same sessions table). */
    browserSessions: createBrowserSessions(kit),
    apiKeys,
    exportParts,
    /** Its figures of the administrators' overview. */
    statistics: signInStatistics,
    jwks: kit.tokens.jwks,
    reloadKeys: () => kit.tokens.reloadKeys(),
    startReloadingKeys: kit.tokens.startReloading,
    stopReloadingKeys: kit.tokens.stopReloading,
  };
}

/** The overview's sign-ins per day (registered with ops at wiring time). */
const signInStatistics: StatisticsPart<'signIns'> = async (db, { organizationId, since }) => ({
  perDay: dailySeries(await signInsPerDay(db, organizationId, since), since),
});

/** The sign-in throttle's rule (free failures per address and account, within a window), for the overview's figures. */
export { FREE_PER_SOURCE as throttleFreeAttempts, WINDOW_MS as throttleWindowMs } from './login-throttle.js';
