import type { Principal, SignedInCaller } from '../../platform/caller.js';
import { isoOrNull } from '../../platform/dates.js';
import { type PageRequest, pagedById } from '../../platform/paging.js';
import { accessErrors } from '../access/errors.js';
import { assertNotApiKey, cachedAccessProfile, isPermission } from '../access/service.js';
import { memberships } from '../organizations/service.js';
import type { AuthKit } from './deps.js';
import { authErrors as errors } from './errors.js';
import * as queries from './queries.js';
import { randomToken, sha256 } from './secrets.js';

export const API_KEY_PREFIX = 'tsk_';

const apiKeyView = (row: queries.ApiKeyRow) => ({
  id: row.id,
  name: row.name,
  prefix: row.prefix,
  scopes: row.scopes,
  expiresAt: isoOrNull(row.expiresAt),
  lastUsedAt: isoOrNull(row.lastUsedAt),
  createdAt: row.createdAt.toISOString(),
});

/** API keys for services: stored hashed, scoped to a subset of their owner's permissions, optionally expiring. */
export function createApiKeys(kit: Pick<AuthKit, 'context' | 'useCases' | 'users'>) {
  const { database } = kit.context;
  const db = database.primary;

  /** A page of a user's live keys, newest first. */
  async function pageOfKeys(userId: string, page: PageRequest) {
    const limit = page.limit ?? 20;
    const rows = await queries.listApiKeys(db, userId, limit + 1, pagedById.after(page.cursor));
    return pagedById.page(rows, limit, apiKeyView);
  }

  return {
    async create(caller: SignedInCaller, input: { name: string; scopes: string[]; expiresAt?: string }) {
      const { principal } = caller;
      // A key making keys would outlive its own revocation: keys are made in a signed-in session only.
      assertNotApiKey(principal);
      // A custom permission is a scope its holder may give; one they do not hold is unknown to them, so that
      // a key's scopes never tell who may read the catalogue which custom permissions exist.
      const unknown = input.scopes.filter((scope) => !isPermission(scope) && !principal.permissions.has(scope));
      if (unknown.length > 0) throw accessErrors.UNKNOWN_PERMISSION(`Unknown permission: ${unknown.join(', ')}.`);
      // A key can only narrow what its owner may do, never widen it.
      const notHeld = input.scopes.filter((scope) => !principal.permissions.has(scope));
      if (notHeld.length > 0) throw errors.SCOPE_NOT_HELD(`You do not hold: ${notHeld.join(', ')}.`);
      const expiresAt = input.expiresAt ? new Date(input.expiresAt) : null;
      if (expiresAt && expiresAt.getTime() <= Date.now()) throw accessErrors.INVALID_EXPIRY();
      const secret = randomToken(API_KEY_PREFIX);
      const row = await kit.useCases.run(caller, async (tx, emit) => {
        // A key outlives a password reset: who holds an account before anyone proved its mailbox adds none.
        const owner = await kit.users.findById(tx, principal.userId);
        if (!owner) throw errors.SESSION_ENDED();
        kit.users.assertAddressProven(owner);
        const created = await queries.insertApiKey(tx, {
          userId: principal.userId,
          name: input.name,
          prefix: secret.slice(0, 12),
          keyHash: sha256(secret),
          scopes: input.scopes,
          expiresAt,
          // Null while keys cannot make keys; recorded so the family is known whichever door makes one.
          createdByKeyId: principal.apiKeyId,
        });
        await emit({ type: 'auth.api_key_created', entityId: created.id, payload: { name: input.name, scopes: input.scopes } });
        return created;
      });
      return { ...apiKeyView(row), key: secret };
    },

    list: (caller: SignedInCaller, page: PageRequest = {}) => pageOfKeys(caller.principal.userId, page),

    async revoke(caller: SignedInCaller, id: string) {
      // As DELETE /users/me/api-keys/:keyId: a leaked key must not take its owner's other keys away.
      assertNotApiKey(caller.principal);
      await kit.useCases.run(caller, async (tx, emit) => {
        if (!(await queries.revokeApiKey(tx, caller.principal.userId, id))) throw errors.API_KEY_NOT_FOUND();
        await emit({ type: 'auth.api_key_revoked', entityId: id });
      });
    },

    /** A user's live keys, for an administrator holding sessions:manage (or the user, through `me`). */
    async listOfUser(caller: SignedInCaller, id: string, page: PageRequest = {}) {
      const user = await kit.users.visibleUser(db, caller.principal, id);
      return pageOfKeys(user.id, page);
    },

    /** An administrator revokes a user's key and the keys it made; not on an account holding more access than theirs. */
    async revokeOfUser(caller: SignedInCaller, id: string, keyId: string) {
      assertNotApiKey(caller.principal);
      await kit.useCases.run(caller, async (tx, emit) => {
        const user = await kit.users.actionableUser(tx, caller.principal, id);
        if (!(await queries.revokeApiKey(tx, user.id, keyId))) throw errors.API_KEY_NOT_FOUND();
        await emit({ type: 'auth.api_key_revoked', entityId: keyId });
      });
    },

    /** The key's owner, with only the key's scopes of what they hold now; a 401 for anything else. */
    async authenticate(secret: string): Promise<Principal> {
      const key = await queries.findUsableApiKey(db, sha256(secret));
      const owner = key && (await kit.users.findById(db, key.userId));
      if (!key || owner?.status !== 'ACTIVE') throw errors.INVALID_API_KEY();
      // Last-used time to the minute is plenty, and spares a write per request.
      if (!key.lastUsedAt || Date.now() - key.lastUsedAt.getTime() > 60_000) await queries.touchApiKey(db, key.id);
      // A key acts in its owner's default organization, with their roles there while that membership is in force.
      const profile = await cachedAccessProfile(kit.context, db, key.userId, await memberships.defaultScope(db, owner));
      const scoped = profile.permissions.filter((permission) => key.scopes.includes(permission));
      return {
        userId: key.userId,
        sessionId: null,
        apiKeyId: key.id,
        organizationId: owner.organizationId,
        roles: profile.roles,
        permissions: new Set(scoped),
        crossTenant: profile.crossTenant && scoped.includes('tenants:all'),
      };
    },
  };
}

export type ApiKeys = ReturnType<typeof createApiKeys>;
