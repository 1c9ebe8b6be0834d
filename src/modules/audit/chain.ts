import { createHash } from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);

/** JSON with keys sorted at every level, so a payload hashes the same after a jsonb round trip. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
}

export interface ChainedFields {
  actorId: string | null;
  organizationId: string | null;
  action: string;
  entity: string;
  entityId: string | null;
  payload: unknown;
  /** Null on rows written before chain version 2: their hash covers the payload itself. */
  payloadDigest: string | null;
  ipAddress: string | null;
  userAgent: string | null;
  /** Null on rows written before chain version 3: their hash covers the IP address and user agent themselves. */
  clientDigest: string | null;
  requestId: string | null;
  createdAt: Date;
}

/** The fields a row's hash covers, and no other (columns such as the erasure's are outside it). */
export const chainedFieldsOf = (row: ChainedFields): ChainedFields => ({
  actorId: row.actorId,
  organizationId: row.organizationId,
  action: row.action,
  entity: row.entity,
  entityId: row.entityId,
  payload: row.payload,
  payloadDigest: row.payloadDigest,
  ipAddress: row.ipAddress,
  userAgent: row.userAgent,
  clientDigest: row.clientDigest,
  requestId: row.requestId,
  createdAt: row.createdAt,
});

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** What a version 2 row's hash covers in place of its payload, so that erasing the payload leaves the chain whole. */
export const payloadDigest = (payload: unknown) => sha256(canonicalJson(payload));

/**
 * What a version 3 row's hash covers in place of the client it was written for (its IP address and user agent),
 * so that a person's erasure can empty them and the chain still holds.
 */
export const clientDigest = (client: { ipAddress: string | null; userAgent: string | null }) =>
  sha256(canonicalJson({ ipAddress: client.ipAddress, userAgent: client.userAgent }));

/**
 * The row's link: the hash before it and its fields. Version 1 (no digest) hashes the payload itself; version 2
 * hashes the payload's digest instead, and the digest is checked against the payload separately; version 3 does
 * the same for the client's IP address and user agent.
 */
export function chainHash(prevHash: string, fields: ChainedFields): string {
  const { payload, payloadDigest: digest, ipAddress, userAgent, clientDigest: client, createdAt, ...rest } = fields;
  const payloadPart = digest === null ? { payload } : { payloadDigest: digest };
  const clientPart = client === null ? { ipAddress, userAgent } : { clientDigest: client };
  return createHash('sha256')
    .update(prevHash)
    .update(canonicalJson({ ...rest, ...payloadPart, ...clientPart, createdAt: createdAt.toISOString() }))
    .digest('hex');
}

/** What an erased row's payload becomes: it says that it was erased, and nothing of what it was. */
export const ERASED_PAYLOAD = { erased: true } as const;

export const isErasedPayload = (payload: unknown) => canonicalJson(payload) === canonicalJson(ERASED_PAYLOAD);

const SECRET_KEY = /pass(word)?|secret|token|hash|credential|api[-_]?key|private/i;

/** Audit payloads keep what changed, never a secret, whatever the caller passed in. */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, item]) => [key, SECRET_KEY.test(key) ? '[redacted]' : redactSecrets(item)]),
  );
}
