import { and, eq, gt, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import { exportJWK, exportPKCS8, generateKeyPair, importJWK, importPKCS8, type JWK } from 'jose';
import type { Config } from '../../config.js';
import type { Db, Executor } from '../../db/client.js';
import { signingKeys } from '../../db/schema/index.js';
import { seal, unseal } from '../../platform/sealed.js';

export const ALGORITHM = 'EdDSA';

export class NoActiveKeyError extends Error {}

export interface LoadedKeys {
  active: { kid: string; privateKey: CryptoKey };
  /** Every key a token may still be signed with: the active one and those rotating out. */
  verification: Map<string, CryptoKey>;
  jwks: { keys: JWK[] };
}

async function insertNewKey(db: Executor, config: Pick<Config, 'SIGNING_KEY_SECRET'>) {
  const { publicKey, privateKey } = await generateKeyPair(ALGORITHM, { crv: 'Ed25519', extractable: true });
  const pem = await exportPKCS8(privateKey);
  const [row] = await db
    .insert(signingKeys)
    .values({
      algorithm: ALGORITHM,
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

/** Creates the first signing key on first start; several nodes starting at once agree on one. */
export async function ensureSigningKey(db: Executor, config: Pick<Config, 'SIGNING_KEY_SECRET'>) {
  await db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(8801001)`);
    const [active] = await tx.select({ id: signingKeys.id }).from(signingKeys).where(eq(signingKeys.status, 'ACTIVE')).limit(1);
    if (!active) await insertNewKey(tx, config);
  });
}

/** `tessera keys rotate`: a new active key; the old one stays published for the overlap window. */
export async function rotateSigningKey(db: Db, config: Pick<Config, 'SIGNING_KEY_SECRET' | 'SIGNING_KEY_OVERLAP' | 'ACCESS_TOKEN_TTL'>) {
  return db.transaction(async (tx) => {
    const retiresAt = new Date(Date.now() + Math.max(config.SIGNING_KEY_OVERLAP, config.ACCESS_TOKEN_TTL));
    await tx.update(signingKeys).set({ status: 'RETIRING', retiresAt }).where(eq(signingKeys.status, 'ACTIVE'));
    await tx
      .update(signingKeys)
      .set({ status: 'RETIRED' })
      .where(and(eq(signingKeys.status, 'RETIRING'), lte(signingKeys.retiresAt, new Date())));
    return insertNewKey(tx, config);
  });
}

export async function loadKeys(db: Executor, config: Pick<Config, 'SIGNING_KEY_SECRET'>): Promise<LoadedKeys> {
  const rows = await db
    .select()
    .from(signingKeys)
    .where(and(inArray(signingKeys.status, ['ACTIVE', 'RETIRING']), usable()))
    .orderBy(signingKeys.createdAt);
  const activeRow = rows.filter((row) => row.status === 'ACTIVE').at(-1);
  if (!activeRow) throw new NoActiveKeyError('no active signing key');
  const verification = new Map<string, CryptoKey>();
  const jwks: JWK[] = [];
  for (const row of rows) {
    const jwk = { ...(row.publicJwk as JWK), kid: row.id, alg: ALGORITHM, use: 'sig' };
    verification.set(row.id, (await importJWK(jwk, ALGORITHM)) as CryptoKey);
    jwks.push(jwk);
  }
  const privateKey = (await importPKCS8(unseal(activeRow.privateKey, config.SIGNING_KEY_SECRET), ALGORITHM)) as CryptoKey;
  return { active: { kid: activeRow.id, privateKey }, verification, jwks: { keys: jwks } };
}
