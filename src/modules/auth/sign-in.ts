import type { Executor } from '../../db/client.js';
import { rateLimited } from '../../http/errors.js';
import type { Caller } from '../../platform/caller.js';
import { hashPassword, needsRehash } from '../../platform/passwords.js';
import type { Emit } from '../../platform/use-case.js';
import type { DomainEvent } from '../events.js';
import { accounts, type UserRow } from '../users/service.js';
import type { AuthKit } from './deps.js';
import { authErrors as errors } from './errors.js';
import { verifyStoredPassword } from './foreign-hashes.js';
import { bindingOf } from './one-time-links.js';
import * as queries from './queries.js';
import { randomToken, sha256 } from './secrets.js';

/** Where a sign-in comes from, and how its use case records it. */
export interface SignInMeta {
  caller: Caller;
  emit: Emit<DomainEvent>;
}

/** How the user proved who they are (RFC 8176 names: `pwd`, `otp`, `hwk` …), kept on the sign-in's event. */
export interface SignInProof {
  amr: string[];
  /** The stored password hash was redone with today's parameters. */
  rehashed?: boolean;
}

/** How long the token a temporary password's sign-in hands out may change that password. */
export const CHANGE_TOKEN_TTL_MS = 10 * 60_000;

/** Who may hold a session: an active account, verified when the deployment requires it (a refresh checks it in SQL: queries.rotateRefreshToken). */
export const mayHoldSession = (kit: AuthKit, user: UserRow) =>
  user.status === 'ACTIVE' && (!kit.context.config.REQUIRE_EMAIL_VERIFICATION || user.emailVerifiedAt !== null);

export function createSignIn(kit: AuthKit) {
  const { config, access: accessProfiles } = kit.context;
  const { useCases, tokens, throttle } = kit;

  /**
   * A new access token for a session: the user's roles and plan as they are now. A refresh passes the plan
   * it already holds; a sign-in reads it in its transaction (which may just have set it: an invitation's plan).
   */
  async function issueAccessToken(
    tx: Executor,
    user: Pick<UserRow, 'id' | 'organizationId'>,
    sessionId: string,
    knownPlan?: string | null,
  ) {
    const profile = await accessProfiles.get(tx, user.id);
    const plan = knownPlan === undefined ? await kit.subscriptions.activePlan(tx, user.id) : knownPlan;
    const signed = await tokens.sign(tx, { sub: user.id, sid: sessionId, roles: profile.roles, org: user.organizationId, plan });
    return { accessToken: signed.token, tokenType: 'Bearer' as const, expiresIn: signed.expiresIn };
  }

  /**
   * The last step of every way of signing in (password today; MFA, passkeys and OpenID Connect next):
   * starts a session (a refresh-token family) and issues its token pair, inside the caller's use case.
   */
  async function completeSignIn(tx: Executor, user: UserRow, meta: SignInMeta, proof: SignInProof) {
    const now = Date.now();
    await accounts.recordLogin(tx, user.id);
    const session = await queries.insertSession(tx, {
      userId: user.id,
      organizationId: user.organizationId,
      ipAddress: meta.caller.ipAddress,
      userAgent: meta.caller.userAgent?.slice(0, 500) ?? null,
      idleExpiresAt: new Date(now + config.SESSION_IDLE_TIMEOUT),
      expiresAt: new Date(now + config.SESSION_MAX_AGE),
    });
    const refreshToken = randomToken();
    await queries.insertRefreshToken(tx, session.id, sha256(refreshToken));
    await meta.emit({
      type: 'auth.login',
      entityId: session.id,
      actorId: user.id,
      payload: { amr: proof.amr, rehashed: proof.rehashed ?? false },
    });
    return { ...(await issueAccessToken(tx, user, session.id)), refreshToken, user: accounts.view(user) };
  }

  /**
   * A temporary password (Keycloak's "update password" required action): no session, only a short-lived
   * token that POST /auth/change-password accepts, and nothing else does.
   */
  async function requirePasswordChange(tx: Executor, user: UserRow, emit: SignInMeta['emit']) {
    const changeToken = randomToken();
    await queries.expireOneTimeTokens(tx, user.id, 'PASSWORD_CHANGE');
    await queries.insertOneTimeToken(tx, {
      userId: user.id,
      purpose: 'PASSWORD_CHANGE',
      tokenHash: sha256(changeToken),
      expiresAt: new Date(Date.now() + CHANGE_TOKEN_TTL_MS),
      // Bound to the temporary password: a new one set meanwhile makes this token worthless.
      data: bindingOf(user),
    });
    await emit({ type: 'auth.password_change_required', entityId: user.id, actorId: user.id });
    return { passwordChangeRequired: true as const, changeToken };
  }

  /** A device that signed in to this account before: a session from the same ip address and user agent, within a session's lifetime. */
  async function signedInBefore(db: Executor, input: { email?: string; username?: string }, caller: Caller) {
    const user = await accounts.findForLogin(db, input);
    if (!user || !caller.ipAddress || !caller.userAgent) return false;
    const since = new Date(Date.now() - config.SESSION_MAX_AGE);
    return queries.hasSessionFrom(db, user.id, { ipAddress: caller.ipAddress, userAgent: caller.userAgent.slice(0, 500), since });
  }

  return {
    completeSignIn,
    issueAccessToken,

    async login(caller: Caller, input: { email?: string; username?: string; password: string }) {
      const identifier = input.email ?? input.username ?? '';
      const database = kit.context.database.primary;
      const waitSeconds = await throttle.attempt(identifier, caller.ipAddress, () => signedInBefore(database, input, caller));
      if (waitSeconds !== undefined) throw rateLimited(waitSeconds);
      const user = await accounts.findForLogin(database, input);
      // An unknown account costs a real verification too: the answer's timing does not tell. An imported
      // account's hash from another system is verified in its own format, and redone as ours below.
      const passwordOk = await verifyStoredPassword(user?.passwordHash ?? kit.dummyHash, input.password);
      if (!user || !passwordOk || !mayHoldSession(kit, user)) {
        const reason = !user ? 'unknown_account' : !passwordOk ? 'wrong_password' : `status_${user.status.toLowerCase()}`;
        await useCases.run(caller, (_tx, emit) =>
          emit({ type: 'auth.login_failed', entityId: user?.id ?? null, actorId: user?.id ?? null, payload: { identifier, reason } }),
        );
        throw errors.INVALID_CREDENTIALS();
      }
      if (user.passwordChangeRequired) {
        return useCases.run(caller, async (tx, emit) => {
          useCases.whenCommitted(() => throttle.clear(caller.ipAddress, identifier));
          return requirePasswordChange(tx, user, emit);
        });
      }
      const rehash = needsRehash(user.passwordHash as string) ? await hashPassword(input.password) : undefined;
      return useCases.run(caller, async (tx, emit) => {
        if (rehash) await accounts.setPasswordHash(tx, user.id, rehash);
        useCases.whenCommitted(() => throttle.clear(caller.ipAddress, identifier));
        return completeSignIn(tx, user, { caller, emit }, { amr: ['pwd'], rehashed: Boolean(rehash) });
      });
    },
  };
}

export type SignIn = ReturnType<typeof createSignIn>;
