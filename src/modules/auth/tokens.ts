import { KeyObject, randomUUID, sign as signWith } from 'node:crypto';
import { decodeProtectedHeader, type JWTPayload, jwtVerify } from 'jose';
import type { Config } from '../../config.js';
import type { Db, Executor } from '../../db/client.js';
import { repeatAfterEachPass } from '../../platform/repeating.js';
import { authErrors } from './errors.js';
import { ALGORITHM, ensureSigningKey, type LoadedKeys, loadKeys, NoActiveKeyError } from './signing-keys.js';

export interface AccessClaims extends JWTPayload {
  sub: string;
  sid: string;
  jti: string;
  exp: number;
  roles: string[];
  org: string | null;
  plan: string | null;
  amr?: string[];
  acr?: string;
  auth_time?: number;
  /** An impersonation token (RFC 8693): the administrator acting as `sub`. */
  act?: { sub: string };
}

/**
 * The strengths of a sign-in Tessera states (NIST SP 800-63B's assurance levels), weakest first: what
 * tokens carry as `acr` and what applications may ask for with `acr_values`.
 */
export const ACR_VALUES = ['aal1', 'aal2'] as const;
export type Acr = (typeof ACR_VALUES)[number];

/** The sign-in's strength: a second factor (or a passkey, itself two) is aal2, anything else aal1. */
export const acrOf = (amr: readonly string[]): Acr => (amr.some((method) => ['mfa', 'hwk', 'swk'].includes(method)) ? 'aal2' : 'aal1');

const TOKEN_TYPE = 'at+jwt';
const VERIFIED_CACHE_SIZE = 50_000;
const UNKNOWN_KID_RELOAD_GAP_MS = 1000;
const invalidToken = () => authErrors.INVALID_TOKEN();

type KeyLog = { warn(details: object, message: string): void };

/** Per signing key: its key object for node:crypto and its JWS header, encoded once (both are the same for every token). */
const signers = new WeakMap<CryptoKey, { key: KeyObject; header: string }>();
const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * A compact JWS (RFC 7515) signed with Ed25519 in this thread: what jose's SignJWT makes, without its round
 * trip through WebCrypto's job queue on every token (a sign-in, refresh or switch signs one each).
 */
function signCompact(kid: string, payload: object, privateKey: CryptoKey) {
  let signer = signers.get(privateKey);
  if (!signer) {
    signer = { key: KeyObject.from(privateKey), header: base64url({ alg: ALGORITHM, kid, typ: TOKEN_TYPE }) };
    signers.set(privateKey, signer);
  }
  const input = `${signer.header}.${base64url(payload)}`;
  return `${input}.${signWith(null, Buffer.from(input), signer.key).toString('base64url')}`;
}

/**
 * Signs and verifies access tokens. Verification is the largest per-request cost, so a verified token
 * is remembered until it expires (bounded, oldest first out).
 *
 * Keys are held in memory. A timer rereads them every SIGNING_KEY_RELOAD_INTERVAL, off the request path,
 * so a rotation on another node is picked up; an unknown `kid` rereads them at once (at most once a
 * second). A request never reloads keys through the top-level handle: `sign` runs inside the sign-in
 * transaction and, when no key is loaded yet (a start while the database was away), loads through that
 * transaction.
 */
export function createTokenService(
  db: Db,
  config: Pick<Config, 'PUBLIC_URL' | 'JWT_AUDIENCE' | 'ACCESS_TOKEN_TTL' | 'SIGNING_KEY_SECRET' | 'SIGNING_KEY_RELOAD_INTERVAL'>,
) {
  let keys: LoadedKeys | undefined;
  let loadedAt = 0;
  let reloading: ReturnType<typeof repeatAfterEachPass> | undefined;
  const verified = new Map<string, AccessClaims>();

  async function reload(executor: Executor): Promise<LoadedKeys> {
    const loaded = await loadKeys(executor, config).catch(async (error: unknown) => {
      // The very first start on a new database: make the first key, then read it back.
      if (!(error instanceof NoActiveKeyError)) throw error;
      await ensureSigningKey(executor, config);
      return loadKeys(executor, config);
    });
    keys = loaded;
    loadedAt = Date.now();
    return loaded;
  }

  const currentKeys = (executor: Executor) => (keys ? Promise.resolve(keys) : reload(executor));

  /** The key `kid` names in `of` the loaded keys; an unknown kid rereads them (another node may just have rotated). */
  async function loadedKey<K>(kid: string, of: (keys: LoadedKeys) => Map<string, K>): Promise<K | undefined> {
    const key = of(await currentKeys(db)).get(kid);
    if (key || Date.now() - loadedAt <= UNKNOWN_KID_RELOAD_GAP_MS) return key;
    return of(await reload(db)).get(kid);
  }

  async function verificationKey(kid: string): Promise<CryptoKey> {
    const key = await loadedKey(kid, (keys) => keys.verification);
    if (!key) throw invalidToken();
    return key;
  }

  return {
    jwks: async () => (await currentKeys(db)).jwks,
    reloadKeys: () => reload(db),

    /** Rereads the keys every SIGNING_KEY_RELOAD_INTERVAL until `stopReloading`; a failed pass keeps the keys held. */
    startReloading(log: KeyLog) {
      reloading = repeatAfterEachPass(() => reload(db), config.SIGNING_KEY_RELOAD_INTERVAL, {
        onFailure: (error) => log.warn({ err: error }, 'signing keys not reloaded; keeping the ones held'),
      });
    },
    stopReloading() {
      reloading?.stop();
      reloading = undefined;
    },

    /** The secret continuations are sealed under: the active key's, or the one of `kid` (undefined once it is gone). */
    async sealingSecret(kid?: string): Promise<{ kid: string; secret: Buffer } | undefined> {
      const wanted = kid ?? (await currentKeys(db)).active.kid;
      const secret = await loadedKey(wanted, (keys) => keys.sealing);
      return secret && { kid: wanted, secret };
    },

    /** `executor` is the caller's transaction: keys not loaded yet are read through it, never beside it. */
    async sign(
      executor: Executor,
      claims: {
        sub: string;
        sid: string;
        roles: string[];
        org: string | null;
        plan: string | null;
        amr: string[];
        authTime: Date;
        act?: { sub: string };
      },
      ttlMs = config.ACCESS_TOKEN_TTL,
    ) {
      const { active } = await currentKeys(executor);
      const expiresIn = Math.floor(ttlMs / 1000);
      const issuedAt = Math.floor(Date.now() / 1000);
      const token = signCompact(
        active.kid,
        {
          sid: claims.sid,
          roles: claims.roles,
          org: claims.org,
          plan: claims.plan,
          amr: claims.amr,
          acr: acrOf(claims.amr),
          auth_time: Math.floor(claims.authTime.getTime() / 1000),
          ...(claims.act ? { act: { sub: claims.act.sub } } : {}),
          sub: claims.sub,
          jti: randomUUID(),
          iss: config.PUBLIC_URL,
          aud: config.JWT_AUDIENCE,
          iat: issuedAt,
          exp: issuedAt + expiresIn,
        },
        active.privateKey,
      );
      return { token, expiresIn };
    },

    /** Accepts only our own EdDSA tokens: header keys (`jku`, `jwk`, `x5u`) are refused, never fetched. */
    async verify(token: string): Promise<AccessClaims> {
      const cached = verified.get(token);
      if (cached) {
        if (cached.exp * 1000 > Date.now()) return cached;
        verified.delete(token);
      }
      let header: ReturnType<typeof decodeProtectedHeader>;
      try {
        header = decodeProtectedHeader(token);
      } catch {
        throw invalidToken();
      }
      if (header.alg !== ALGORITHM || typeof header.kid !== 'string' || header.jku || header.jwk || header.x5u || header.crit)
        throw invalidToken();
      const key = await verificationKey(header.kid);
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, key, {
          algorithms: [ALGORITHM],
          issuer: config.PUBLIC_URL,
          audience: config.JWT_AUDIENCE,
          typ: TOKEN_TYPE,
          requiredClaims: ['sub', 'sid', 'jti', 'exp', 'iat'],
        }));
      } catch {
        throw invalidToken();
      }
      const claims = payload as AccessClaims;
      if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value as string);
      verified.set(token, claims);
      return claims;
    },
  };
}

export type TokenService = ReturnType<typeof createTokenService>;
