import type { Executor } from '../../db/client.js';
import { rateLimited } from '../../http/errors.js';
import type { Caller } from '../../platform/caller.js';
import { clientNetworkOf } from '../../platform/client-network.js';
import { hashPassword, needsRehash } from '../../platform/passwords.js';
import type { Emit } from '../../platform/use-case.js';
import { cachedAccessProfile } from '../access/service.js';
import type { DomainEvent } from '../events.js';
import { memberships } from '../organizations/service.js';
import type { UserRow } from '../users/service.js';
import type { ActiveOrganization } from './active-organization.js';
import type { AuthKit } from './deps.js';
import { authErrors as errors } from './errors.js';
import { verifyStoredPassword } from './foreign-hashes.js';
import type { ThrottleSubject } from './login-throttle.js';
import { bindingOf } from './one-time-links.js';
import * as queries from './queries.js';
import { randomToken, sha256 } from './secrets.js';
import { createSignInPipeline, type SignInAttempt as PipelineAttempt } from './sign-in-pipeline.js';

/** The ways into a session; each route answers the pending states listed for it (SignInPendingByVia). */
export type SignInVia = 'password' | 'federation' | 'invitation' | 'temporaryPassword' | 'passkey';

/** A temporary password's sign-in: only a change token for POST /auth/change-password. */
export interface PasswordChangePending {
  passwordChangeRequired: true;
  changeToken: string;
}

/** A person with a second factor (or one their policy requires): the factor, through POST /auth/mfa/verify. */
export interface SecondFactorPending {
  mfaRequired: true;
  mfaToken: string;
  methods: ('totp' | 'webauthn' | 'recovery_code')[];
}

/** A person who must enrol a second factor and has none: a token that may only enrol. */
export interface EnrollmentPending {
  mfaEnrollmentRequired: true;
  enrollmentToken: string;
}

/** What a step guarding a sign-in with a second factor may answer. */
export type StrongAuthenticationPending = SecondFactorPending | EnrollmentPending;

/**
 * Per way in, the pending states its route declares (LoginResponse, AcceptInvitationResponse) or `never`
 * (TokenResponse only). A step that would stop another way in needs that route's answer widened first.
 */
export interface SignInPendingByVia {
  password: PasswordChangePending | StrongAuthenticationPending;
  federation: PasswordChangePending | StrongAuthenticationPending;
  invitation: StrongAuthenticationPending;
  temporaryPassword: never;
  passkey: PasswordChangePending;
}

/** One sign-in: how it came in and was proven, and the use case that records it. */
export interface SignInAttempt extends PipelineAttempt<SignInVia> {
  caller: Caller;
  emit: Emit<DomainEvent>;
  /** The stored password hash was redone with today's parameters (kept on the sign-in's event). */
  rehashed?: boolean;
  /** What the person typed to sign in (email or username): a wrong second factor counts against it like a wrong password. */
  identifier?: string;
  /**
   * When the person proved who they are, if before now: a sign-in finished by adding a factor (which proves
   * nothing) is as old as the proof it rests on. The session's start, which its auth_time is.
   */
  authTime?: Date;
}

/** A credential's attempt: the identifier the person signed in with, and the account it is (the throttle counts both). */
export interface AttemptAgainst {
  identifier: string;
  userId: string;
}

/** How long the token a temporary password's sign-in hands out may change that password. */
export const CHANGE_TOKEN_TTL_MS = 10 * 60_000;

/**
 * What a failed sign-in's audit row keeps of the identifier: the account's own (its stored email or username),
 * never what was typed, which is often a password typed into the wrong field; nothing when no account has it.
 */
const recordedIdentifier = (user: UserRow | undefined, input: { email?: string }) =>
  !user ? null : input.email !== undefined ? user.email : user.username;

/** Why a checked sign-in failed, as its audit row says. */
const failureOf = (user: UserRow | undefined, passwordOk: boolean) =>
  !user ? 'unknown_account' : !passwordOk ? 'wrong_password' : `status_${user.status.toLowerCase()}`;

/** Who may hold a session: an active account, verified when the deployment requires it (a refresh checks it in SQL: queries.rotateRefreshToken). */
export const mayHoldSession = (kit: Pick<AuthKit, 'context'>, user: UserRow) =>
  user.status === 'ACTIVE' && (!kit.context.config.REQUIRE_EMAIL_VERIFICATION || user.emailVerifiedAt !== null);

export function createSignIn(kit: Pick<AuthKit, 'context' | 'dummyHash' | 'subscriptions' | 'throttle' | 'tokens' | 'useCases' | 'users'>) {
  const { config } = kit.context;
  const { useCases, tokens, throttle } = kit;

  /**
   * A new access token for a session acting in `organization`: its `org` claim, and the roles held there
   * (and platform-wide) and the plan as they are now. A refresh passes the plan it already holds; a sign-in
   * reads it in its transaction (which may just have set it: an invitation's plan).
   */
  async function issueAccessToken(
    tx: Executor,
    userId: string,
    organization: ActiveOrganization,
    sessionId: string,
    signedIn: { amr: string[]; authTime: Date },
    knownPlan?: string | null,
  ) {
    const profile = await cachedAccessProfile(kit.context, tx, userId, organization.scope);
    const plan = knownPlan === undefined ? await kit.subscriptions.activePlan(tx, userId) : knownPlan;
    const { amr, authTime } = signedIn;
    const claims = { sub: userId, sid: sessionId, roles: profile.roles, org: organization.id, plan, amr, authTime };
    const signed = await tokens.sign(tx, claims);
    return { accessToken: signed.token, tokenType: 'Bearer' as const, expiresIn: signed.expiresIn };
  }

  /**
   * What every sign-in ends in once no step stopped it: a session (a refresh-token family) and its token pair. A
   * sign-in through the hosted pages begins a browser session, whose refresh token becomes the pages' cookie and is
   * never refreshed; any other begins an API client's, whose refresh token the pages refuse as a cookie.
   */
  async function startSession(tx: Executor, user: UserRow, attempt: SignInAttempt) {
    const now = Date.now();
    await kit.users.recordSignIn(tx, user.id);
    const session = await queries.insertSession(tx, {
      userId: user.id,
      organizationId: user.organizationId,
      ipAddress: attempt.caller.ipAddress,
      userAgent: attempt.caller.userAgent?.slice(0, 500) ?? null,
      idleExpiresAt: new Date(now + config.SESSION_IDLE_TIMEOUT),
      expiresAt: new Date(now + config.SESSION_MAX_AGE),
      amr: attempt.amr,
      browser: attempt.caller.via === 'hosted',
      ...(attempt.authTime && attempt.authTime.getTime() < now ? { createdAt: attempt.authTime } : {}),
    });
    const refreshToken = randomToken();
    await queries.insertRefreshToken(tx, session.id, sha256(refreshToken));
    await attempt.emit({
      type: 'auth.login',
      entityId: session.id,
      actorId: user.id,
      payload: { amr: attempt.amr, rehashed: attempt.rehashed ?? false },
    });
    // A sign-in lands in the default organization; its roles count unless that membership is suspended.
    const landing = { id: user.organizationId, scope: await memberships.defaultScope(tx, user) };
    const signedIn = { amr: session.amr ?? attempt.amr, authTime: session.createdAt };
    return { ...(await issueAccessToken(tx, user.id, landing, session.id, signedIn)), refreshToken, user: kit.users.view(user) };
  }

  const pipeline = createSignInPipeline<Executor, UserRow, SignInPendingByVia, Awaited<ReturnType<typeof startSession>>, SignInAttempt>(
    startSession,
  );

  /**
   * The single-use token a pending state hands out: the only thing that resumes that sign-in, for `ttlMs`.
   * Issuing one spends the user's earlier ones of the same purpose; it is bound to the password as it is now,
   * and keeps how the sign-in was proven (`amr`) for the sign-in it resumes.
   */
  async function issueContinuation(tx: Executor, user: UserRow, purpose: queries.OneTimePurpose, ttlMs: number, amr: string[]) {
    const token = randomToken();
    await queries.expireOneTimeTokens(tx, user.id, purpose);
    await queries.insertOneTimeToken(tx, {
      userId: user.id,
      purpose,
      tokenHash: sha256(token),
      expiresAt: new Date(Date.now() + ttlMs),
      data: { ...bindingOf(user), amr },
    });
    return token;
  }

  /**
   * A temporary password (Keycloak's "update password" required action): no session, only a short-lived
   * token that POST /auth/change-password accepts, and nothing else does. Bound to the temporary password:
   * a new one set meanwhile makes the token worthless. Every way in that proves who the person is passes it:
   * a sign-in with a passkey or a provider that let the account in would leave the password the administrator
   * knows valid for good. Not an invitation's: an account without a password chooses one in it, and one with a
   * password accepts in a session that passed this step (never with an API key or an impersonation); nor the
   * replacement's own.
   */
  pipeline.register({
    name: 'passwordChange',
    via: ['password', 'federation', 'passkey'],
    async run(tx, user, attempt) {
      if (!user.passwordChangeRequired) return undefined;
      const changeToken = await issueContinuation(tx, user, 'PASSWORD_CHANGE', CHANGE_TOKEN_TTL_MS, attempt.amr);
      await attempt.emit({ type: 'auth.password_change_required', entityId: user.id, actorId: user.id });
      return { passwordChangeRequired: true as const, changeToken };
    },
  });

  /** A device that signed in to this account before: a session from the same network and user agent, within a session's lifetime. */
  async function signedInBefore(db: Executor, userId: string, caller: Caller) {
    if (!caller.ipAddress || !caller.userAgent) return false;
    const since = new Date(Date.now() - config.SESSION_MAX_AGE);
    const sources = await queries.sessionSourcesOf(db, userId, { userAgent: caller.userAgent.slice(0, 500), since });
    // A device is known by its network, as the throttle counts sources: an IPv6 device changes its own address
    // within its /64 (privacy addresses) from one day to the next.
    const network = clientNetworkOf(caller.ipAddress);
    return sources.some((address) => clientNetworkOf(address) === network);
  }

  /** The seconds an attempt against `subject` must wait (undefined: it is admitted, and counted). */
  const waitOf = (db: Executor, caller: Caller, subject: ThrottleSubject, userId: string | undefined) =>
    throttle.attempt(subject, caller.ipAddress, async () => userId !== undefined && signedInBefore(db, userId, caller));

  /** Every counter a finished sign-in (or a credential proven again) clears: its identifier's and its account's. */
  const clearCounts = (caller: Caller, against: AttemptAgainst) =>
    throttle.clear(caller.ipAddress, { identifier: against.identifier }, { accountId: against.userId });

  return {
    /** Every way in ends here (`complete`); later steps (second factor, organization choice) `register` here. */
    signIn: { complete: pipeline.complete, register: pipeline.register, order: pipeline.order },
    issueAccessToken,

    /** How and when a session's sign-in was proven (what step-up asks), or undefined for an unknown or ended session. */
    async authenticationOf(db: Executor, sessionId: string) {
      const session = await queries.findSession(db, sessionId);
      if (!session || !queries.isSessionLive(session)) return undefined;
      return { userId: session.userId, amr: session.amr ?? [], authTime: session.createdAt };
    },

    /**
     * An attempt at a credential besides the sign-in's password (a second factor, the password given again to a
     * session) counts against the identifier and its account, exactly as a password at sign-in does (the same
     * counters, the same waits); refused with 429 while either is held: whoever makes it has already shown which
     * account it is. `database`: the caller's transaction when it runs in one (a device known from an earlier
     * sign-in is looked up through it).
     */
    async admitAttempt(caller: Caller, against: AttemptAgainst, database: Executor = kit.context.database.primary) {
      for (const subject of [{ identifier: against.identifier }, { accountId: against.userId }]) {
        const waitSeconds = await waitOf(database, caller, subject, against.userId);
        if (waitSeconds !== undefined) throw rateLimited(waitSeconds);
      }
    },
    /** A finished sign-in clears its identifier's and its account's failures (run after the commit). */
    clearFailures: clearCounts,

    async login(caller: Caller, input: { email?: string; username?: string; password: string }) {
      const identifier = input.email ?? input.username ?? '';
      const database = kit.context.database.primary;
      const found = await kit.users.findForSignIn(database, input);
      const waitSeconds = await waitOf(database, caller, { identifier }, found?.id);
      if (waitSeconds !== undefined) throw rateLimited(waitSeconds);
      // Guesses through every identifier of one account (its email, its username) share the account's budget too.
      // One that budget holds is answered as a wrong password, after a check of the same cost, and never with a
      // 429: that would tell that this identifier and the one that spent the budget are of one account, which an
      // identifier no account has could never show.
      const accountHeld = found !== undefined && (await waitOf(database, caller, { accountId: found.id }, found.id)) !== undefined;
      const user = accountHeld ? undefined : found;
      // An unknown account costs a real verification too: the answer's timing does not tell. An imported
      // account's hash from another system is verified in its own format, and redone as ours below.
      const passwordOk = await verifyStoredPassword(user?.passwordHash ?? kit.dummyHash, input.password);
      if (!user || !passwordOk || !mayHoldSession(kit, user)) {
        const reason = accountHeld ? 'account_held' : failureOf(user, passwordOk);
        await useCases.run(caller, (_tx, emit) =>
          emit({
            type: 'auth.login_failed',
            entityId: found?.id ?? null,
            actorId: found?.id ?? null,
            payload: { identifier: recordedIdentifier(found, input), reason },
          }),
        );
        throw errors.INVALID_CREDENTIALS();
      }
      const rehash = needsRehash(user.passwordHash as string) ? await hashPassword(input.password) : undefined;
      const proven = rehash ? { ...user, passwordHash: rehash } : user;
      const attempt = { via: 'password' as const, amr: ['pwd'], rehashed: Boolean(rehash), identifier, caller };
      // With no hash to redo, the steps that can decide before a transaction do: a sign-in that stops for its
      // second factor writes its audit row and opens no transaction at all.
      const screened = rehash ? { passed: [] } : await pipeline.screen(database, proven, attempt);
      if ('stop' in screened) return screened.stop;
      return useCases.run(caller, async (tx, emit) => {
        // A temporary password stays temporary when it is redone.
        if (rehash) await kit.users.setPasswordHash(tx, user.id, rehash, user.passwordChangeRequired);
        const answer = await pipeline.complete(tx, proven, { ...attempt, emit }, screened.passed);
        // Only a finished sign-in clears the failures: a password followed by wrong second factors keeps counting.
        if ('accessToken' in answer) useCases.whenCommitted(() => clearCounts(caller, { identifier, userId: user.id }));
        return answer;
      });
    },
  };
}

export type SignIn = ReturnType<typeof createSignIn>;
export type SignInPipeline = SignIn['signIn'];
