import { createHash } from 'node:crypto';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Db } from '../../db/client.js';
import { openEnvelope, sealUnder } from '../../platform/sealed.js';
import { errors } from './provider-library.js';
import * as queries from './queries.js';
import { sha256 } from './secrets.js';

/** The provider asks for an application's client metadata by client id; applications.ts answers. */
export type ClientLookup = (clientId: string) => Promise<AdapterPayload | undefined>;

/**
 * The one model kept under its own id: a grant's id is no credential (it is reached only through a token, a code or a
 * session), and Tessera's API lists and revokes a person's grants by it (grants.ts).
 */
const KEPT_BY_OWN_ID = new Set(['Grant']);

/**
 * The key an artifact is stored under. oidc-provider's opaque format makes a token's value its id (a refresh token, an
 * authorization code, an opaque access token), and a session's or an interaction's id is its cookie: each is kept as its
 * SHA-256 (hex, as migration 0026 converted the rows written before), so whoever reads the database or a backup holds
 * nothing they can present, as with Tessera's own tokens.
 */
const storedArtifactId = (model: string, id: string) => (KEPT_BY_OWN_ID.has(model) ? id : sha256(id));

/**
 * An interaction's fields the library reads back that would let a reader of the database act: `parJti`, the id of the
 * pushed authorization request it resumes (its request_uri starts the sign-in again), and `returnTo`, whose path is the
 * interaction's own id. A digest cannot be read back, so each is sealed under a key derived from the interaction's id,
 * which only the browser holds (the row is under the id's plain SHA-256, not this key).
 */
const SEALED_IN_INTERACTION = ['parJti', 'returnTo'] as const;
const interactionKey = (id: string) => createHash('sha256').update(`tessera oidc interaction fields\0${id}`).digest();

/** `fields` of `payload` passed through `change`, where present. */
function withFields(payload: Record<string, unknown>, fields: readonly string[], change: (value: string) => string) {
  const changed = fields.filter((field) => typeof payload[field] === 'string').map((field) => [field, change(payload[field] as string)]);
  return { ...payload, ...Object.fromEntries(changed) };
}

/**
 * The payload as stored: without `jti` (the id itself) and, in an interaction, without the cookie of the session it
 * began in (which the library writes and never reads), its other credentials sealed. `find` gives `jti` back from the id
 * it was asked for.
 */
function storedPayload(model: string, id: string, payload: AdapterPayload): Record<string, unknown> {
  const { jti: _value, ...kept } = payload as Record<string, unknown>;
  if (model !== 'Interaction') return kept;
  const key = interactionKey(id);
  const sealed = withFields(kept, SEALED_IN_INTERACTION, (value) => sealUnder(value, key));
  const session = sealed.session as Record<string, unknown> | undefined;
  if (!session || !('cookie' in session)) return sealed;
  const { cookie: _cookie, ...rest } = session;
  return { ...sealed, session: rest };
}

/** An interaction's payload as the library wrote it; one whose fields do not open under its id's key is not found. */
function openedInteraction(id: string, payload: AdapterPayload): AdapterPayload | undefined {
  const key = interactionKey(id);
  try {
    return withFields(payload, SEALED_IN_INTERACTION, (value) => openEnvelope(value, key));
  } catch {
    return undefined;
  }
}

/** What the library says of a grant source presented again; a lost race for one is the same presentation. */
const alreadyUsed: Record<string, string> = {
  AuthorizationCode: 'authorization code already consumed',
  RefreshToken: 'refresh token already used',
};

/**
 * oidc-provider's storage on Tessera's database: one row per artefact (session, interaction, code, token,
 * grant), keyed by model and id, with the columns it searches by (uid, grant, account) beside the payload.
 * Clients are not stored here: they are Tessera's applications.
 */
export function databaseAdapter(db: Db, clients: ClientLookup) {
  return class DatabaseAdapter implements Adapter {
    constructor(readonly model: string) {}

    async upsert(id: string, payload: AdapterPayload, expiresIn: number) {
      await queries.upsertArtifact(db, {
        model: this.model,
        id: storedArtifactId(this.model, id),
        payload: storedPayload(this.model, id, payload),
        accountId: payload.accountId ?? null,
        grantId: payload.grantId ?? null,
        uid: payload.uid ?? null,
        expiresAt: expiresIn ? new Date(Date.now() + expiresIn * 1000) : null,
      });
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.model === 'Client') return clients(id);
      const stored = payloadOf(await queries.findArtifact(db, this.model, storedArtifactId(this.model, id)));
      const payload = stored && this.model === 'Interaction' ? openedInteraction(id, stored) : stored;
      return payload && { ...payload, jti: id };
    }

    /**
     * A session by its uid (a token's `sessionUid`): the library only reads it (whose it is, which grant), so it comes
     * without the id the database no longer holds.
     */
    async findByUid(uid: string) {
      return payloadOf(await queries.findArtifactByUid(db, this.model, uid));
    }

    async findByUserCode(): Promise<undefined> {
      // The device flow is not offered, so no artefact has a user code.
      return undefined;
    }

    /**
     * The library checks that a code or refresh token is unconsumed when it finds it, then consumes it: two requests
     * presenting the same one at once would both pass the check. Only one consumes it here; the other is answered as
     * the library answers one presented again (invalid_grant, everything of its grant revoked, as RFC 6749 10.5 asks
     * of a code used twice), since whoever else holds it is as likely a thief as the client.
     */
    async consume(id: string) {
      const taken = await queries.consumeArtifact(db, this.model, storedArtifactId(this.model, id));
      if (taken.consumed) return;
      if (taken.grantId) await queries.revokeGrant(db, taken.grantId);
      throw new errors.InvalidGrant(alreadyUsed[this.model] ?? 'grant request is invalid');
    }

    async destroy(id: string) {
      await queries.destroyArtifact(db, this.model, storedArtifactId(this.model, id));
    }

    async revokeByGrantId(grantId: string) {
      await queries.destroyGrantArtifacts(db, grantId);
    }
  };
}

const payloadOf = (row: queries.ArtifactRow | undefined): AdapterPayload | undefined =>
  row && { ...row.payload, ...(row.consumedAt ? { consumed: Math.floor(row.consumedAt.getTime() / 1000) } : {}) };
