import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Db } from '../../db/client.js';
import * as queries from './queries.js';

/** The provider asks for an application's client metadata by client id; applications.ts answers. */
export type ClientLookup = (clientId: string) => Promise<AdapterPayload | undefined>;

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
        id,
        payload: payload as Record<string, unknown>,
        accountId: payload.accountId ?? null,
        grantId: payload.grantId ?? null,
        uid: payload.uid ?? null,
        expiresAt: expiresIn ? new Date(Date.now() + expiresIn * 1000) : null,
      });
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.model === 'Client') return clients(id);
      return payloadOf(await queries.findArtifact(db, this.model, id));
    }

    async findByUid(uid: string) {
      return payloadOf(await queries.findArtifactByUid(db, this.model, uid));
    }

    async findByUserCode(): Promise<undefined> {
      // The device flow is not offered, so no artefact has a user code.
      return undefined;
    }

    async consume(id: string) {
      await queries.consumeArtifact(db, this.model, id);
    }

    async destroy(id: string) {
      await queries.destroyArtifact(db, this.model, id);
    }

    async revokeByGrantId(grantId: string) {
      await queries.destroyGrantArtifacts(db, grantId);
    }
  };
}

const payloadOf = (row: queries.ArtifactRow | undefined): AdapterPayload | undefined =>
  row && { ...row.payload, ...(row.consumedAt ? { consumed: Math.floor(row.consumedAt.getTime() / 1000) } : {}) };
