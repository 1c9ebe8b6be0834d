import { hkdfSync } from 'node:crypto';
import { and, desc, eq, gt, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import { exportJWK, exportPKCS8, generateKeyPair, importJWK, importPKCS8, type JWK } from 'jose';
import type { Config } from '../../config.js';
import type { Db, Executor } from '../../db/client.js';
import { signingKeys } from '../../db/schema/index.js';
import { seal, unseal } from '../../platform/sealed.js';

export const ALGORITHM = 'EdDSA';

/**
 * The kinds of key the store holds, one active key of each: EdDSA signs Tessera's own access tokens; the
 * OpenID provider signs ID tokens RS256 by default (every relying party supports it), ES256 or EdDSA for
 * clients that ask.
 */
export const KEY_ALGORITHMS = ['EdDSA', 'RS256', 'ES256'] as const;
export type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];

const generate = (algorithm: KeyAlgorithm) =>
  algorithm === 'EdDSA'
    ? generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })
    : generateKeyPair(algorithm, { extractable: true, ...(algorithm === 'RS256' ? { modulusLength: 2048 } : {}) });

export class NoActiveKeyError extends Error {}

export interface LoadedKeys {
  active: { kid: string; privateKey: CryptoKey };
  /** Every key a token may still be signed with: the active one and those rotating out. */
  verification: Map<string, CryptoKey>;
  /**
   * Per key, the secret continuations are sealed under (sealed-continuations.ts): derived from its private
   * half, so every node holds it and no other secret needs configuring; it lives and retires with the key.
   */
  sealing: Map<string, Buffer>;
  jwks: { keys: JWK[] };
}

const sealingSecretOf = (privatePem: string) => Buffer.from(hkdfSync('sha256', privatePem, '', 'tessera sealed continuations', 32));

async function insertNewKey(db: Executor, config: Pick<Config, 'SIGNING_KEY_SECRET'>, algorithm: KeyAlgorithm = ALGORITHM) {
  const { publicKey, privateKey } = await generate(algorithm);
  const pem = await exportPKCS8(privateKey);
  const [row] = await db
    .insert(signingKeys)
    .values({
      algorithm,
      publicJwk: await exportJWK(publicKey),
      privateKey: config.SIGNING_KEY_SECRET ? seal(pem, config.SIGNING_KEY_SECRET) : pem,
    })
    .returning({ id: signingKeys.id });
  return row?.id;
}

const usable = () =>
  or(
    eq(signingKeys.status, 'ACTIVE'),
    and(eq(signingKeys.status, 'RETIRING'), or(isNull(signingKeys.retiresAt), gt(signingKeys.retiresAt, new Date()))),
  );

/** How the signing keys' private halves are stored: sealed under SIGNING_KEY_SECRET, or plain PEM. */
export async function signingKeyStorage(db: Executor): Promise<{ sealed: number; plain: number }> {
  const [row] = await db
    .select({
      sealed: sql<number>`count(*) FILTER (WHERE ${signingKeys.privateKey} LIKE 'enc:%')::int`,
      plain: sql<number>`count(*) FILTER (WHERE ${signingKeys.privateKey} NOT LIKE 'enc:%')::int`,
    })
    .from(signingKeys);
  return { sealed: row?.sealed ?? 0, plain: row?.plain ?? 0 };
}

/** Creates the first key of each kind asked for on first start; several nodes starting at once agree on one. */
export async function ensureSigningKey(db: Executor, config: Pick<Config, 'SIGNING_KEY_SECRET'>, algorithms: KeyAlgorithm[] = [ALGORITHM]) {
  await db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(8801001)`);
    const active = await tx.select({ algorithm: signingKeys.algorithm }).from(signingKeys).where(eq(signingKeys.status, 'ACTIVE'));
    for (const algorithm of algorithms) if (!active.some((row) => row.algorithm === algorithm)) await insertNewKey(tx, config, algorithm);
  });
}

/**
 * `tessera keys rotate`: a new active key of every kind in use; the old ones stay published for the overlap
 * window. Answers the new key of Tessera's own access tokens.
 */
export async function rotateSigningKey(db: Db, config: Pick<Config, 'SIGNING_KEY_SECRET' | 'SIGNING_KEY_OVERLAP' | 'ACCESS_TOKEN_TTL'>) {
  return db.transaction(async (tx) => {
    const retiresAt = new Date(Date.now() + Math.max(config.SIGNING_KEY_OVERLAP, config.ACCESS_TOKEN_TTL));
    const rotated = await tx
      .update(signingKeys)
      .set({ status: 'RETIRING', retiresAt })
      .where(eq(signingKeys.status, 'ACTIVE'))
      .returning({ algorithm: signingKeys.algorithm });
    await tx
      .update(signingKeys)
      .set({ status: 'RETIRED' })
      .where(and(eq(signingKeys.status, 'RETIRING'), lte(signingKeys.retiresAt, new Date())));
    const others = KEY_ALGORITHMS.filter((algorithm) => algorithm !== ALGORITHM && rotated.some((row) => row.algorithm === algorithm));
    for (const algorithm of others) await insertNewKey(tx, config, algorithm);
    return insertNewKey(tx, config);
  });
}

/**
 * Every usable key as a private JWK (the OpenID provider signs with them and publishes their public
 * halves): per kind the active key first, then those rotating out.
 */
export async function loadPrivateJwks(db: Executor, config: Pick<Config, 'SIGNING_KEY_SECRET'>): Promise<JWK[]> {
  const rows = await db.select().from(signingKeys).where(usable()).orderBy(signingKeys.status, desc(signingKeys.createdAt));
  return Promise.all(
    rows.map(async (row) => {
      const key = await importPKCS8(unseal(row.privateKey, config.SIGNING_KEY_SECRET), row.algorithm, { extractable: true });
      return { ...(await exportJWK(key)), kid: row.id, alg: row.algorithm, use: 'sig' };
    }),
  );
}

export async function loadKeys(db: Executor, config: Pick<Config, 'SIGNING_KEY_SECRET'>): Promise<LoadedKeys> {
  const rows = await db
    .select()
    .from(signingKeys)
    .where(and(eq(signingKeys.algorithm, ALGORITHM), inArray(signingKeys.status, ['ACTIVE', 'RETIRING']), usable()))
    .orderBy(signingKeys.createdAt);
  const activeRow = rows.filter((row) => row.status === 'ACTIVE').at(-1);
  if (!activeRow) throw new NoActiveKeyError('no active signing key');
  const verification = new Map<string, CryptoKey>();
  const sealing = new Map<string, Buffer>();
  const jwks: JWK[] = [];
  for (const row of rows) {
    const jwk = { ...(row.publicJwk as JWK), kid: row.id, alg: ALGORITHM, use: 'sig' };
    verification.set(row.id, (await importJWK(jwk, ALGORITHM)) as CryptoKey);
    sealing.set(row.id, sealingSecretOf(unseal(row.privateKey, config.SIGNING_KEY_SECRET)));
    jwks.push(jwk);
  }
  const privateKey = (await importPKCS8(unseal(activeRow.privateKey, config.SIGNING_KEY_SECRET), ALGORITHM)) as CryptoKey;
  return { active: { kid: activeRow.id, privateKey }, verification, sealing, jwks: { keys: jwks } };
}
