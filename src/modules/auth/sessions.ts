import type { Executor } from '../../db/client.js';
import type { Caller, SignedInCaller } from '../../platform/caller.js';
import { type PageRequest, pagedById } from '../../platform/paging.js';
import type { Emit } from '../../platform/use-case.js';
import { assertNotApiKey } from '../access/service.js';
import type { DomainEvent } from '../events.js';
import { organizationErrors } from '../organizations/errors.js';
import { memberships } from '../organizations/service.js';
import { activeOrganization } from './active-organization.js';
import type { AuthKit } from './deps.js';
import { authErrors as errors } from './errors.js';
import { sessionEndedEvents, userSessionsEndedEvents } from './events.js';
import * as queries from './queries.js';
import { randomToken, sha256 } from './secrets.js';
import type { SignIn } from './sign-in.js';
import type { UserViews } from './user-views.js';

const sessionView = (session: queries.SessionRow, currentId: string | null) => ({
  id: session.id,
  ipAddress: session.ipAddress,
  userAgent: session.userAgent,
  createdAt: session.createdAt.toISOString(),
  lastUsedAt: session.lastUsedAt.toISOString(),
  expiresAt: session.expiresAt.toISOString(),
  current: session.id === currentId,
  impersonatedBy: session.impersonatorId ? { id: session.impersonatorId, reason: session.impersonationReason } : null,
});

/** Where a session may move: an organization its person is an active member of now. */
const activeMemberOf: queries.MembershipCondition = (organizationId) => memberships.memberOf(organizationId, 'ACTIVE');

/** A session moved to another organization, as the audit trail keeps it. */
const switchedEvent = (session: { sessionId: string; userId: string; organizationId: string | null }, organizationId: string) =>
  ({
    type: 'auth.organization_switched',
    entityId: session.sessionId,
    actorId: session.userId,
    organizationId,
    payload: { from: session.organizationId, to: organizationId },
  }) satisfies DomainEvent;

/**
 * How a session changes organization in a transaction, shared by the refresh grant with `organizationId`, the
 * hosted account page and POST /auth/switch-organization when its one statement (`queries.switchSession`,
 * the same rules) lost a race with another change of the session: only into an organization the person is an active member of now (a
 * suspended membership signs in but cannot be switched to), the session's unspent refresh tokens spent,
 * audited as auth.organization_switched. `next` is the session's next refresh token (a browser session keeps
 * its cookie's instead). Three statements: the audit row first, then the move (the membership checked in it),
 * which locks the session's row, then the refresh tokens, and the commit: the row is held for two round trips.
 * A refusal rolls the audit row back with everything else.
 */
export async function moveSessionToOrganization(
  tx: Executor,
  emit: Emit<DomainEvent>,
  session: { sessionId: string; userId: string; organizationId: string | null },
  organizationId: string,
  next: { keepTokenHash: string } | { nextTokenHash: string },
) {
  await emit(switchedEvent(session, organizationId));
  const { member, moved } = await queries.moveSession(tx, activeMemberOf, { ...session, organizationId });
  if (member === false) throw organizationErrors.NOT_A_MEMBER();
  if (!moved) throw errors.SESSION_ENDED();
  await queries.spendRefreshTokens(tx, session.sessionId, next);
}

/**
 * Sessions are refresh-token families. Refresh rotates the token; every end of a session is told to
 * every node once committed, so an access token of an ended session stops working at once.
 */
export function createSessions(kit: Pick<AuthKit, 'context' | 'liveness' | 'useCases' | 'users'>, signIn: SignIn, userViews: UserViews) {
  const { config, database } = kit.context;
  const db = database.primary;
  const { useCases, liveness } = kit;
  useCases.afterCommit(sessionEndedEvents, (event) => liveness.revoked({ sessionId: event.entityId as string }));
  useCases.afterCommit(userSessionsEndedEvents, (event) => liveness.revoked({ userId: event.entityId as string }));

  /**
   * A refresh token that was already rotated is presented again. Within the grace window it is the same
   * client racing itself; after it, the token was copied: that family (device) is revoked, others stay.
   */
  async function refusedSpentToken(caller: Caller, tokenHash: string) {
    const spent = await queries.findRefreshToken(db, tokenHash);
    if (!spent?.usedAt || Date.now() - spent.usedAt.getTime() < config.REFRESH_REUSE_GRACE) return;
    const session = await queries.findSession(db, spent.sessionId);
    if (!session) return;
    await useCases.run(caller, async (tx, emit) => {
      if (await queries.revokeSession(tx, session.id, 'refresh_token_reuse')) {
        await emit({ type: 'auth.refresh_reuse_detected', entityId: session.id, actorId: session.userId });
      }
    });
  }

  const rotation = (tokenHash: string, next: string, now = new Date()) => ({
    tokenHash,
    nextHash: sha256(next),
    now,
    idleUntil: new Date(now.getTime() + config.SESSION_IDLE_TIMEOUT),
    requireVerifiedEmail: config.REQUIRE_EMAIL_VERIFICATION,
  });

  /**
   * The refresh grant with `organizationId`: the rotation and the move are one use case, so a refused
   * move (not a member, suspended) leaves the presented refresh token unspent and usable.
   */
  async function refreshInto(caller: Caller, refreshToken: string, organizationId: string) {
    const tokenHash = sha256(refreshToken);
    const next = randomToken();
    const session = await useCases.run(caller, async (tx, emit) => {
      // The rotation's own next token is spent by the move at once; the session continues with `next`.
      const rotated = await queries.rotateRefreshToken(tx, rotation(tokenHash, randomToken()));
      if (rotated) await moveSessionToOrganization(tx, emit, rotated, organizationId, { nextTokenHash: sha256(next) });
      return rotated;
    });
    if (session) {
      const signedIn = { amr: session.amr ?? [], authTime: session.createdAt };
      return tokenInto(session.userId, organizationId, session.sessionId, signedIn, next);
    }
    await refusedSpentToken(caller, tokenHash);
    throw errors.INVALID_REFRESH_TOKEN();
  }

  /**
   * The access token of a session just moved into an organization, signed once the move has committed (no row
   * stays locked while it is signed), with the person's plan and view from the user-view cache.
   */
  async function tokenInto(
    userId: string,
    organizationId: string,
    sessionId: string,
    signedIn: { amr: string[]; authTime: Date },
    refreshToken: string,
  ) {
    const cached = await userViews.get(userId);
    if (!cached) throw errors.SESSION_ENDED();
    const scope = { id: organizationId, scope: organizationId };
    const issued = await signIn.issueAccessToken(db, userId, scope, sessionId, signedIn, cached.plan);
    return { ...issued, refreshToken, user: cached.user };
  }

  async function listOf(caller: SignedInCaller, userId: string, page: PageRequest) {
    const limit = page.limit ?? 20;
    const rows = await queries.listLiveSessions(db, userId, limit + 1, pagedById.after(page.cursor));
    return pagedById.page(rows, limit, (session) => sessionView(session, caller.principal.sessionId));
  }

  return {
    /**
     * Every client's routine every few minutes, so it is one round trip to the database: one statement
     * rotates (spends the token, extends the session, adds the next token, only for a live session of a
     * user who may hold one); the user and plan come from the user-view cache and the roles from the
     * access cache. Rotation emits no event, so it is not audited and needs no use case around its one
     * statement (a transaction would only add two round trips); a detected reuse is a use case, audited.
     */
    async refresh(caller: Caller, refreshToken: string, organizationId?: string) {
      if (organizationId) return refreshInto(caller, refreshToken, organizationId);
      const tokenHash = sha256(refreshToken);
      const next = randomToken();
      const session = await queries.rotateRefreshToken(db, rotation(tokenHash, next));
      const cached = session && (await userViews.get(session.userId));
      if (session && cached) {
        // The session's organization while its membership is active, else the default one (a removed membership).
        const organization = activeOrganization(session.organizationId, {
          defaultOrganizationId: cached.user.organizationId,
          memberships: cached.memberships,
        });
        const signedIn = { amr: session.amr ?? [], authTime: session.createdAt };
        const token = await signIn.issueAccessToken(db, session.userId, organization, session.sessionId, signedIn, cached.plan);
        return { ...token, refreshToken: next, user: cached.user };
      }
      await refusedSpentToken(caller, tokenHash);
      throw errors.INVALID_REFRESH_TOKEN();
    },

    /**
     * The caller's session moves to another organization the caller is an active member of, and answers a
     * new token pair for it (its earlier refresh tokens are spent). A suspended membership, or none, is
     * refused with NOT_A_MEMBER; so is an API key, which has no session.
     */
    async switchOrganization(caller: SignedInCaller, organizationId: string) {
      const { principal } = caller;
      assertNotApiKey(principal);
      const sessionId = principal.sessionId as string;
      const next = randomToken();
      const from = { sessionId, userId: principal.userId, organizationId: principal.organizationId };
      const nextTokenHash = sha256(next);
      const outcome = await useCases.runAsStatement(caller, switchedEvent(from, organizationId), async (audit) => {
        const result = await queries.switchSession(db, activeMemberOf, audit.insertFrom, {
          ...from,
          organizationId,
          nextTokenHash,
          audit: audit.values,
        });
        return { result, wrote: result === 'moved' };
      });
      if (outcome === 'not_member') throw organizationErrors.NOT_A_MEMBER();
      if (outcome === 'ended') throw errors.SESSION_ENDED();
      // Another change of the session committed meanwhile: the locking transaction queues behind it and sees its tokens.
      if (outcome === 'raced') {
        await useCases.run(caller, (tx, emit) => moveSessionToOrganization(tx, emit, from, organizationId, { nextTokenHash }));
      }
      // The session's sign-in (how it was proven, and when) carries over to the new organization's token.
      const signedIn = { amr: principal.amr ?? [], authTime: new Date((principal.authTime ?? Date.now() / 1000) * 1000) };
      return tokenInto(principal.userId, organizationId, sessionId, signedIn, next);
    },

    /** Ends the caller's session, and the one of `refreshToken` when it is the caller's too. */
    async logout(caller: SignedInCaller, refreshToken: string | undefined) {
      const { principal } = caller;
      const sessionIds = new Set(principal.sessionId ? [principal.sessionId] : []);
      if (refreshToken) {
        const found = await queries.findRefreshToken(db, sha256(refreshToken));
        const session = found && (await queries.findSession(db, found.sessionId));
        if (session?.userId === principal.userId) sessionIds.add(session.id);
      }
      await useCases.run(caller, async (tx, emit) => {
        for (const sessionId of sessionIds) {
          if (await queries.revokeSession(tx, sessionId, 'logout')) await emit({ type: 'auth.logout', entityId: sessionId });
        }
      });
    },

    async logoutAll(caller: SignedInCaller) {
      assertNotApiKey(caller.principal);
      const { userId } = caller.principal;
      await useCases.run(caller, async (tx, emit) => {
        const sessions = await queries.revokeUserSessions(tx, userId, 'logout_all');
        if (sessions > 0) await emit({ type: 'auth.logout_all', entityId: userId, payload: { sessions } });
      });
    },

    /** The caller's live sessions; `current` marks the one asking. */
    list: (caller: SignedInCaller, page: PageRequest = {}) => listOf(caller, caller.principal.userId, page),

    /** Another user's live sessions, for administrators (or the user, through `me`). */
    async listOfUser(caller: SignedInCaller, id: string, page: PageRequest = {}) {
      const user = await kit.users.visibleUser(db, caller.principal, id);
      return listOf(caller, user.id, page);
    },

    async end(caller: SignedInCaller, sessionId: string) {
      assertNotApiKey(caller.principal);
      const session = await queries.findSession(db, sessionId);
      if (!session || session.userId !== caller.principal.userId) throw errors.SESSION_NOT_FOUND();
      await useCases.run(caller, async (tx, emit) => {
        if (await queries.revokeSession(tx, sessionId, 'ended_by_user')) await emit({ type: 'auth.session_ended', entityId: sessionId });
      });
    },

    /** Ends every session of the caller but the one asking (a device left signed in elsewhere), each audited. */
    async endOthers(caller: SignedInCaller) {
      assertNotApiKey(caller.principal);
      const { userId, sessionId } = caller.principal;
      await useCases.run(caller, async (tx, emit) => {
        for (const ended of await queries.endUserSessions(tx, userId, 'ended_by_user', sessionId ?? undefined)) {
          await emit({ type: 'auth.session_ended', entityId: ended });
        }
      });
    },

    /** Ends one session inside the caller's use case (social sign-in: a replayed code's session is not to be trusted). */
    async revokeInUseCase(tx: Executor, emit: Emit<DomainEvent>, sessionId: string, reason: string) {
      if (await queries.revokeSession(tx, sessionId, reason)) await emit({ type: 'auth.session_ended', entityId: sessionId });
    },

    /** An administrator (or the user, through `me`) ends one session of a user: a lost or shared device. */
    async endOneOfUser(caller: SignedInCaller, id: string, sessionId: string) {
      assertNotApiKey(caller.principal);
      await useCases.run(caller, async (tx, emit) => {
        const user = await kit.users.actionableUser(tx, caller.principal, id);
        const session = await queries.findSession(tx, sessionId);
        if (!session || session.userId !== user.id) throw errors.SESSION_NOT_FOUND();
        if (await queries.revokeSession(tx, sessionId, 'ended_by_admin')) await emit({ type: 'auth.session_ended', entityId: sessionId });
      });
    },

    /**
     * An administrator (or the user, through `me`) signs a user out everywhere. Told even when no session was
     * live: what else it ends (remembered browsers, sign-ins waiting to enrol) reacts to it.
     */
    async endAllOfUser(caller: SignedInCaller, id: string) {
      assertNotApiKey(caller.principal);
      await useCases.run(caller, async (tx, emit) => {
        const user = await kit.users.actionableUser(tx, caller.principal, id);
        const sessions = await queries.revokeUserSessions(tx, user.id, 'ended_by_admin');
        await emit({ type: 'auth.sessions_ended_by_admin', entityId: user.id, payload: { sessions } });
      });
    },
  };
}
