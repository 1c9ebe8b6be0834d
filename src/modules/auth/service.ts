/**
 * The auth module ("who are you?"). Other modules use:
 * - `revokeAllSessions(userId, reason, tx)` then, after commit, `sessionsRevoked(userId)`: suspension,
 *   soft delete and erasure end every session of a user at once on every node;
 * - `createOneTimeLink(tx, userId, purpose, ttlMs, path, data?)`: a hashed single-use link under PUBLIC_URL.
 */
import type { AppContext } from '../../context.js';
import type { Db, Executor } from '../../db/client.js';
import { AppError, assert, badRequest, forbidden, notFound, rateLimited, unauthorized } from '../../http/errors.js';
import type { Principal } from '../../http/route-policy.js';
import { isPermission, type Permission } from '../access/permissions.js';
import { findDefaultRole, grantRole } from '../access/service.js';
import { type AuditActor, recordAudit } from '../audit/service.js';
import { enqueueMail } from '../mail/outbox.js';
import type { TemplateData, TemplateName } from '../mail/templates.js';
import * as users from '../users/queries.js';
import { normalizeEmail } from '../users/service.js';
import type { LoginThrottle } from './login-throttle.js';
import { assertPasswordAcceptable } from './password-policy.js';
import { hashPassword, needsRehash, verifyPassword } from './passwords.js';
import * as queries from './queries.js';
import { randomToken, sha256 } from './secrets.js';
import type { SessionLiveness } from './session-liveness.js';
import type { TokenService } from './tokens.js';

export interface RequestMeta extends AuditActor {
  ipAddress: string | null;
  userAgent: string | null;
  requestId: string | null;
}

type UserRow = NonNullable<Awaited<ReturnType<typeof queries.findUserById>>>;
type OneTimePurpose = Parameters<typeof queries.insertOneTimeToken>[1]['purpose'];

const API_KEY_PREFIX = 'tsk_';
const invalidCredentials = () => unauthorized('INVALID_CREDENTIALS', 'The email, username or password is wrong.');
const invalidRefreshToken = () => unauthorized('INVALID_REFRESH_TOKEN', 'The refresh token is invalid, used or expired.');
const mailWindowMs = 3_600_000;

export function publicUser(user: UserRow) {
  return {
    id: user.id,
    email: user.email,
    username: user.username,
    firstName: user.firstName,
    lastName: user.lastName,
    status: user.status,
    emailVerified: user.emailVerifiedAt !== null,
    organizationId: user.organizationId,
  };
}

export function createAuthService(
  context: AppContext,
  deps: { tokens: TokenService; liveness: SessionLiveness; throttle: LoginThrottle; dummyHash: string },
) {
  const { config, database } = context;
  const db: Db = database.primary;
  const { tokens, liveness, throttle } = deps;

  const link = (path: string, token: string) => `${config.PUBLIC_URL}${path}?token=${encodeURIComponent(token)}`;

  async function createOneTimeLink(tx: Executor, userId: string, purpose: OneTimePurpose, ttlMs: number, path: string, data?: unknown) {
    const token = randomToken();
    await queries.expireOneTimeTokens(tx, userId, purpose);
    await queries.insertOneTimeToken(tx, { userId, purpose, tokenHash: sha256(token), expiresAt: new Date(Date.now() + ttlMs), data });
    return link(path, token);
  }

  /** Account mails are capped per address per hour, so nobody can use Tessera to flood an inbox. */
  async function mailIfUnderCap<N extends TemplateName>(tx: Executor, user: UserRow, template: N, data: () => Promise<TemplateData<N>>) {
    const { count } = await context.state.increment(`mail-cap:${sha256(user.email)}`, mailWindowMs);
    if (count > config.MAX_EMAILS_PER_HOUR) return;
    await enqueueMail(tx, { to: user.email, template, data: await data(), userId: user.id });
  }

  async function issueTokens(tx: Executor, user: UserRow, sessionId: string) {
    const profile = await context.access.get(tx, user.id);
    const plan = await queries.activePlan(tx, user.id);
    const access = await tokens.sign(tx, { sub: user.id, sid: sessionId, roles: profile.roles, org: user.organizationId, plan });
    return { accessToken: access.token, tokenType: 'Bearer' as const, expiresIn: access.expiresIn };
  }

  async function startSession(tx: Executor, user: UserRow, meta: RequestMeta) {
    const now = Date.now();
    const session = await queries.insertSession(tx, {
      userId: user.id,
      organizationId: user.organizationId,
      ipAddress: meta.ipAddress,
      userAgent: meta.userAgent?.slice(0, 500) ?? null,
      idleExpiresAt: new Date(now + config.SESSION_IDLE_TIMEOUT),
      expiresAt: new Date(now + config.SESSION_MAX_AGE),
    });
    const refreshToken = randomToken();
    await queries.insertRefreshToken(tx, session.id, sha256(refreshToken));
    return { session, refreshToken };
  }

  const canSignIn = (user: UserRow) => user.status === 'ACTIVE' && (!config.REQUIRE_EMAIL_VERIFICATION || user.emailVerifiedAt !== null);

  return {
    createOneTimeLink,

    async register(
      input: { email: string; password: string; firstName?: string; lastName?: string; name?: string; username?: string; phone?: string },
      meta: RequestMeta,
    ) {
      const email = normalizeEmail(input.email);
      assertPasswordAcceptable(input.password, config.PASSWORD_MIN_LENGTH, 'password', [email, email.split('@')[0] ?? '']);
      const [first, ...rest] = (input.name ?? '').trim().split(/\s+/);
      // Hashed whether or not the address is taken, so both answers take the same time.
      const passwordHash = await hashPassword(input.password);
      await db.transaction(async (tx) => {
        const existing = await users.findUserByEmail(tx, email);
        if (existing) {
          await mailIfUnderCap(tx, existing, 'accountExists', async () => ({
            resetUrl: `${config.PUBLIC_URL}/forgot-password`,
          }));
          await recordAudit(tx, meta, { action: 'auth.register_existing_email', entity: 'user', entityId: existing.id });
          return;
        }
        const user = await users.insertUserWithProfile(tx, {
          email,
          passwordHash,
          firstName: input.firstName ?? first ?? '',
          lastName: input.lastName ?? rest.join(' '),
          username: input.username ?? null,
          phone: input.phone ?? null,
          status: 'ACTIVE',
        });
        const role = await findDefaultRole(tx);
        if (role) await grantRole(tx, user.id, role.id);
        const url = await createOneTimeLink(tx, user.id, 'EMAIL_VERIFICATION', config.VERIFY_TOKEN_TTL, '/verify-email');
        await enqueueMail(tx, { to: email, template: 'verifyEmail', data: { url }, userId: user.id });
        await recordAudit(
          tx,
          { ...meta, actorId: user.id },
          { action: 'auth.registered', entity: 'user', entityId: user.id, payload: { email, roles: role ? [role.name] : [] } },
        );
      });
    },

    async login(input: { email?: string; username?: string; password: string }, meta: RequestMeta) {
      const identifier = input.email ?? input.username ?? '';
      const waitSeconds = await throttle.attempt(identifier);
      if (waitSeconds !== undefined) throw rateLimited(waitSeconds);
      const user = await queries.findUserForLogin(db, input);
      // An unknown account costs a real verification too: the answer's timing does not tell.
      const passwordOk = await verifyPassword(user?.passwordHash ?? deps.dummyHash, input.password);
      if (!user || !passwordOk || !canSignIn(user)) {
        await db.transaction((tx) =>
          recordAudit(
            tx,
            { ...meta, actorId: user?.id ?? null },
            {
              action: 'auth.login_failed',
              entity: 'user',
              entityId: user?.id ?? null,
              payload: {
                identifier,
                reason: !user ? 'unknown_account' : !passwordOk ? 'wrong_password' : `status_${user.status.toLowerCase()}`,
              },
            },
          ),
        );
        throw invalidCredentials();
      }
      const rehash = needsRehash(user.passwordHash as string) ? await hashPassword(input.password) : undefined;
      const result = await db.transaction(async (tx) => {
        if (rehash) await queries.setPasswordHash(tx, user.id, rehash);
        await queries.recordLogin(tx, user.id);
        const { session, refreshToken } = await startSession(tx, user, meta);
        await recordAudit(
          tx,
          { ...meta, actorId: user.id },
          { action: 'auth.login', entity: 'session', entityId: session.id, payload: { rehashed: Boolean(rehash) } },
        );
        return { ...(await issueTokens(tx, user, session.id)), refreshToken, user: publicUser(user) };
      });
      await throttle.clear(identifier);
      return result;
    },

    async refresh(refreshToken: string, meta: RequestMeta) {
      const tokenHash = sha256(refreshToken);
      const rotated = await db.transaction(async (tx) => {
        const consumed = await queries.consumeRefreshToken(tx, tokenHash);
        if (!consumed) return undefined;
        const session = await queries.findSession(tx, consumed.sessionId);
        const user = session && (await queries.findUserById(tx, session.userId));
        if (!session || !user || !queries.isSessionLive(session) || !canSignIn(user)) throw invalidRefreshToken();
        const next = randomToken();
        await queries.insertRefreshToken(tx, session.id, sha256(next));
        await queries.touchSession(
          tx,
          session.id,
          new Date(Math.min(Date.now() + config.SESSION_IDLE_TIMEOUT, session.expiresAt.getTime())),
        );
        return { ...(await issueTokens(tx, user, session.id)), refreshToken: next, user: publicUser(user) };
      });
      if (rotated) return rotated;
      await this.handleSpentRefreshToken(tokenHash, meta);
      throw invalidRefreshToken();
    },

    /**
     * A refresh token that was already rotated is presented again. Within the grace window it is the same
     * client racing itself; after it, the token was copied: that family (device) is revoked, others stay.
     */
    async handleSpentRefreshToken(tokenHash: string, meta: RequestMeta) {
      const spent = await queries.findRefreshToken(db, tokenHash);
      if (!spent?.usedAt || Date.now() - spent.usedAt.getTime() < config.REFRESH_REUSE_GRACE) return;
      const session = await queries.findSession(db, spent.sessionId);
      if (!session) return;
      const revoked = await db.transaction(async (tx) => {
        const changed = await queries.revokeSession(tx, session.id, 'refresh_token_reuse');
        if (changed) {
          await recordAudit(
            tx,
            { ...meta, actorId: session.userId },
            { action: 'auth.refresh_reuse_detected', entity: 'session', entityId: session.id },
          );
        }
        return changed;
      });
      if (revoked) await liveness.revoked({ sessionId: session.id });
    },

    async logout(principal: Principal, refreshToken: string | undefined, meta: RequestMeta) {
      const sessionIds = new Set(principal.sessionId ? [principal.sessionId] : []);
      if (refreshToken) {
        const found = await queries.findRefreshToken(db, sha256(refreshToken));
        const session = found && (await queries.findSession(db, found.sessionId));
        if (session?.userId === principal.userId) sessionIds.add(session.id);
      }
      await db.transaction(async (tx) => {
        for (const sessionId of sessionIds) {
          if (await queries.revokeSession(tx, sessionId, 'logout')) {
            await recordAudit(
              tx,
              { ...meta, actorId: principal.userId },
              { action: 'auth.logout', entity: 'session', entityId: sessionId },
            );
          }
        }
      });
      for (const sessionId of sessionIds) await liveness.revoked({ sessionId });
    },

    async logoutAll(principal: Principal, meta: RequestMeta) {
      await db.transaction(async (tx) => {
        const count = await queries.revokeUserSessions(tx, principal.userId, 'logout_all');
        await recordAudit(
          tx,
          { ...meta, actorId: principal.userId },
          { action: 'auth.logout_all', entity: 'user', entityId: principal.userId, payload: { sessions: count } },
        );
      });
      await liveness.revoked({ userId: principal.userId });
    },

    revokeAllSessions: (userId: string, reason: string, tx: Executor) => queries.revokeUserSessions(tx, userId, reason),

    /** An administrator signs a user out everywhere. */
    async endUserSessions(userId: string, meta: RequestMeta) {
      await db.transaction(async (tx) => {
        const count = await queries.revokeUserSessions(tx, userId, 'ended_by_admin');
        await recordAudit(tx, meta, {
          action: 'auth.sessions_ended_by_admin',
          entity: 'user',
          entityId: userId,
          payload: { sessions: count },
        });
      });
      await liveness.revoked({ userId });
    },
    sessionsRevoked: (userId: string) => liveness.revoked({ userId }),

    async forgotPassword(emailInput: string, meta: RequestMeta) {
      const email = normalizeEmail(emailInput);
      await db.transaction(async (tx) => {
        const user = await users.findUserByEmail(tx, email);
        if (user?.status !== 'ACTIVE') return;
        await mailIfUnderCap(tx, user, 'resetPassword', async () => ({
          url: await createOneTimeLink(tx, user.id, 'PASSWORD_RESET', config.RESET_TOKEN_TTL, '/reset-password'),
          minutes: Math.round(config.RESET_TOKEN_TTL / 60_000),
        }));
        await recordAudit(
          tx,
          { ...meta, actorId: user.id },
          { action: 'auth.password_reset_requested', entity: 'user', entityId: user.id },
        );
      });
    },

    async resetPassword(input: { token: string; password: string }, meta: RequestMeta) {
      assertPasswordAcceptable(input.password, config.PASSWORD_MIN_LENGTH);
      const passwordHash = await hashPassword(input.password);
      const user = await db.transaction(async (tx) => {
        const consumed =
          (await queries.consumeOneTimeToken(tx, sha256(input.token), 'PASSWORD_RESET')) ??
          (await queries.consumeOneTimeToken(tx, sha256(input.token), 'SET_PASSWORD'));
        if (!consumed) throw badRequest('INVALID_TOKEN', 'The link is invalid, used or expired.');
        const found = await queries.findUserById(tx, consumed.userId);
        if (!found) throw badRequest('INVALID_TOKEN', 'The link is invalid, used or expired.');
        await queries.setPasswordHash(tx, found.id, passwordHash);
        // The link reached the mailbox, so the address is proven too.
        await queries.markEmailVerified(tx, found.id);
        await queries.revokeUserSessions(tx, found.id, 'password_reset');
        await enqueueMail(tx, { to: found.email, template: 'passwordChanged', data: {}, userId: found.id });
        await recordAudit(tx, { ...meta, actorId: found.id }, { action: 'auth.password_reset', entity: 'user', entityId: found.id });
        return found;
      });
      await liveness.revoked({ userId: user.id });
      await throttle.clear(user.email, ...(user.username ? [user.username] : []));
    },

    async verifyEmail(token: string, meta: RequestMeta) {
      await db.transaction(async (tx) => {
        const consumed = await queries.consumeOneTimeToken(tx, sha256(token), 'EMAIL_VERIFICATION');
        if (!consumed) throw badRequest('INVALID_TOKEN', 'The link is invalid, used or expired.');
        await queries.markEmailVerified(tx, consumed.userId);
        await recordAudit(
          tx,
          { ...meta, actorId: consumed.userId },
          { action: 'auth.email_verified', entity: 'user', entityId: consumed.userId },
        );
      });
    },

    async resendVerification(emailInput: string, meta: RequestMeta) {
      const email = normalizeEmail(emailInput);
      await db.transaction(async (tx) => {
        const user = await users.findUserByEmail(tx, email);
        if (!user || user.emailVerifiedAt) return;
        await mailIfUnderCap(tx, user, 'verifyEmail', async () => ({
          url: await createOneTimeLink(tx, user.id, 'EMAIL_VERIFICATION', config.VERIFY_TOKEN_TTL, '/verify-email'),
        }));
        await recordAudit(tx, { ...meta, actorId: user.id }, { action: 'auth.verification_resent', entity: 'user', entityId: user.id });
      });
    },

    async changePassword(principal: Principal, input: { currentPassword: string; newPassword: string }, meta: RequestMeta) {
      const user = await queries.findUserById(db, principal.userId);
      assert(user, () => invalidCredentials());
      if (!(await verifyPassword(user.passwordHash ?? deps.dummyHash, input.currentPassword))) {
        throw new AppError(
          { status: 400, code: 'WRONG_CURRENT_PASSWORD', detail: 'The current password is wrong.' },
          {
            errors: [{ path: '/currentPassword', message: 'is wrong' }],
          },
        );
      }
      assertPasswordAcceptable(input.newPassword, config.PASSWORD_MIN_LENGTH, 'newPassword', [user.email]);
      const passwordHash = await hashPassword(input.newPassword);
      await db.transaction(async (tx) => {
        await queries.setPasswordHash(tx, user.id, passwordHash);
        await queries.revokeUserSessions(tx, user.id, 'password_changed', principal.sessionId ?? undefined);
        await enqueueMail(tx, { to: user.email, template: 'passwordChanged', data: {}, userId: user.id });
        await recordAudit(tx, { ...meta, actorId: user.id }, { action: 'auth.password_changed', entity: 'user', entityId: user.id });
      });
      await liveness.revoked({ userId: user.id });
      if (principal.sessionId) liveness.rememberLive(principal.sessionId, user.id);
    },

    async me(principal: Principal) {
      const user = await queries.findUserById(db, principal.userId);
      if (!user) throw notFound('User');
      const plan = await queries.activePlan(db, user.id);
      return {
        ...publicUser(user),
        roles: principal.roles,
        permissions: [...principal.permissions].sort(),
        subscription: plan ? { plan } : null,
      };
    },

    /** Live sessions of a user (`principal`'s own when no user is named); `current` marks the caller's. */
    async listSessions(principal: Principal, userId = principal.userId) {
      const rows = await queries.listLiveSessions(db, userId);
      return rows.map((session) => ({
        id: session.id,
        ipAddress: session.ipAddress,
        userAgent: session.userAgent,
        createdAt: session.createdAt.toISOString(),
        lastUsedAt: session.lastUsedAt.toISOString(),
        expiresAt: session.expiresAt.toISOString(),
        current: session.id === principal.sessionId,
      }));
    },

    async endSession(principal: Principal, sessionId: string, meta: RequestMeta) {
      const session = await queries.findSession(db, sessionId);
      if (!session || session.userId !== principal.userId) throw notFound('Session');
      await db.transaction(async (tx) => {
        if (await queries.revokeSession(tx, sessionId, 'ended_by_user')) {
          await recordAudit(
            tx,
            { ...meta, actorId: principal.userId },
            { action: 'auth.session_ended', entity: 'session', entityId: sessionId },
          );
        }
      });
      await liveness.revoked({ sessionId });
    },

    async createApiKey(principal: Principal, input: { name: string; scopes: string[]; expiresAt?: string }, meta: RequestMeta) {
      const unknown = input.scopes.filter((scope) => !isPermission(scope));
      if (unknown.length > 0) throw badRequest('UNKNOWN_PERMISSION', `Unknown permission: ${unknown.join(', ')}.`);
      // A key can only narrow what its owner may do, never widen it.
      const notHeld = input.scopes.filter((scope) => !principal.permissions.has(scope as Permission));
      if (notHeld.length > 0) throw forbidden('SCOPE_NOT_HELD', `You do not hold: ${notHeld.join(', ')}.`);
      const expiresAt = input.expiresAt ? new Date(input.expiresAt) : null;
      if (expiresAt && expiresAt.getTime() <= Date.now()) throw badRequest('INVALID_EXPIRY', 'expiresAt must be in the future.');
      const secret = randomToken(API_KEY_PREFIX);
      const row = await db.transaction(async (tx) => {
        const created = await queries.insertApiKey(tx, {
          userId: principal.userId,
          name: input.name,
          prefix: secret.slice(0, 12),
          keyHash: sha256(secret),
          scopes: input.scopes,
          expiresAt,
        });
        await recordAudit(
          tx,
          { ...meta, actorId: principal.userId },
          { action: 'auth.api_key_created', entity: 'api_key', entityId: created.id, payload: { name: input.name, scopes: input.scopes } },
        );
        return created;
      });
      return { ...apiKeyView(row), key: secret };
    },

    async listApiKeys(principal: Principal) {
      return (await queries.listApiKeys(db, principal.userId)).map(apiKeyView);
    },

    async revokeApiKey(principal: Principal, id: string, meta: RequestMeta) {
      await db.transaction(async (tx) => {
        const revoked = await queries.revokeApiKey(tx, principal.userId, id);
        if (!revoked) throw notFound('API key');
        await recordAudit(tx, { ...meta, actorId: principal.userId }, { action: 'auth.api_key_revoked', entity: 'api_key', entityId: id });
      });
    },

    /** Bearer access token (JWT) or API key → the caller, or a 401. */
    async authenticate(credential: { bearer?: string; apiKey?: string }): Promise<Principal | undefined> {
      const apiKey = credential.apiKey ?? (credential.bearer?.startsWith(API_KEY_PREFIX) ? credential.bearer : undefined);
      if (apiKey) return authenticateApiKey(apiKey);
      if (!credential.bearer) return undefined;
      const claims = await tokens.verify(credential.bearer);
      if (!liveness.isKnownLive(claims.sid)) {
        const session = await queries.findSession(db, claims.sid);
        if (!session || session.userId !== claims.sub || !queries.isSessionLive(session)) {
          throw unauthorized('SESSION_ENDED', 'This session has ended. Sign in again.');
        }
        liveness.rememberLive(session.id, session.userId);
      }
      const profile = await context.access.get(db, claims.sub);
      return {
        userId: claims.sub,
        sessionId: claims.sid,
        apiKeyId: null,
        organizationId: claims.org,
        roles: profile.roles,
        permissions: new Set(profile.permissions),
        crossTenant: profile.crossTenant,
      };
    },
  };

  async function authenticateApiKey(secret: string): Promise<Principal> {
    const found = await queries.findUsableApiKey(db, sha256(secret));
    if (found?.status !== 'ACTIVE') throw unauthorized('INVALID_API_KEY', 'The API key is invalid, revoked or expired.');
    const { key } = found;
    // Last-used time to the minute is plenty, and spares a write per request.
    if (!key.lastUsedAt || Date.now() - key.lastUsedAt.getTime() > 60_000) await queries.touchApiKey(db, key.id);
    const profile = await context.access.get(db, key.userId);
    const scoped = profile.permissions.filter((permission) => key.scopes.includes(permission));
    return {
      userId: key.userId,
      sessionId: null,
      apiKeyId: key.id,
      organizationId: found.organizationId,
      roles: profile.roles,
      permissions: new Set(scoped),
      crossTenant: profile.crossTenant && scoped.includes('tenants:all'),
    };
  }
}

function apiKeyView(row: queries.ApiKeyRow) {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
