import type { Executor } from '../../db/client.js';
import type { Caller } from '../../platform/caller.js';
import type { Emit } from '../../platform/use-case.js';
import type { DomainEvent } from '../events.js';
import type { AuthKit } from './deps.js';
import { authErrors } from './errors.js';
import * as queries from './queries.js';
import { sha256 } from './secrets.js';
import { moveSessionToOrganization } from './sessions.js';

/** How often a browser session's use is written down: its idle expiry moves on at most once a minute. */
const TOUCH_EVERY_MS = 60_000;

/** A browser's session as the hosted pages (and whoever builds on them) see it. */
export interface BrowserSession {
  userId: string;
  sessionId: string;
  /** When the person proved who they are (the session's start). */
  authTime: Date;
  /** How they proved it (RFC 8176 names). */
  amr: string[];
  /** The organization the session acts in (where it signed in, or switched to); null for a person in none. */
  organizationId: string | null;
}

/** Revokes a browser session (unless already revoked) and records it; revocation reaches every node after commit. */
async function endSession(tx: Executor, emit: Emit<DomainEvent>, row: { sessionId: string; userId: string }) {
  if (await queries.revokeSession(tx, row.sessionId, 'logout')) {
    await emit({ type: 'auth.logout', entityId: row.sessionId, actorId: row.userId });
  }
}

/**
 * Tessera's first-party browser session: a row of the sessions table like any other (listed, ended by
 * logout-all, suspension and deletion, same idle and absolute lifetimes), begun by a sign-in through the hosted
 * pages (marked `browser`) and named by its first refresh token, which the browser holds in an HttpOnly cookie
 * and never rotates. An API client's refresh token names none, and a browser session's is never refreshed.
 */
export function createBrowserSessions(kit: AuthKit) {
  const { config, database } = kit.context;
  const db = database.primary;

  return {
    async resolve(token: string): Promise<BrowserSession | undefined> {
      const now = new Date();
      const row = await queries.findBrowserSession(db, sha256(token), now, config.REQUIRE_EMAIL_VERIFICATION);
      if (!row) return undefined;
      if (now.getTime() - new Date(row.lastUsedAt).getTime() > TOUCH_EVERY_MS) {
        await queries.touchSession(db, row.sessionId, now, new Date(now.getTime() + config.SESSION_IDLE_TIMEOUT));
      }
      const { userId, sessionId, organizationId } = row;
      return { userId, sessionId, organizationId, authTime: new Date(row.createdAt), amr: row.amr ?? [] };
    },

    /**
     * The account page's organization switcher: the session the cookie names moves to another organization
     * of its person, as an API session does (same rules, same audit), keeping the cookie's token.
     */
    async switchOrganization(caller: Caller, token: string, organizationId: string) {
      const tokenHash = sha256(token);
      const row = await queries.findBrowserSession(db, tokenHash, new Date(), config.REQUIRE_EMAIL_VERIFICATION);
      if (!row) throw authErrors.SESSION_ENDED();
      await kit.useCases.run(caller, (tx, emit) => moveSessionToOrganization(tx, emit, row, organizationId, { keepTokenHash: tokenHash }));
    },

    /** Sign-out: the session the cookie names ends, on every node at once. */
    async end(caller: Caller, token: string) {
      const row = await queries.findBrowserSession(db, sha256(token), new Date(), false);
      if (!row) return;
      await kit.useCases.run(caller, (tx, emit) => endSession(tx, emit, row));
    },

    /** The same, as part of a use case that writes more (the OpenID provider's logout and its own audit row). */
    async endWithin(tx: Executor, emit: Emit<DomainEvent>, token: string) {
      const row = await queries.findBrowserSession(tx, sha256(token), new Date(), false);
      if (row) await endSession(tx, emit, row);
    },
  };
}
