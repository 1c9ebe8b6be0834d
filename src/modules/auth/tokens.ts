import { randomUUID } from 'node:crypto';
import { decodeProtectedHeader, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { unauthorized } from '../../http/errors.js';
import { ALGORITHM, ensureSigningKey, type LoadedKeys, loadKeys, NoActiveKeyError } from './signing-keys.js';

export interface AccessClaims extends JWTPayload {
  sub: string;
  sid: string;
  jti: string;
  exp: number;
  roles: string[];
  org: string | null;
  plan: string | null;
}

const TOKEN_TYPE = 'at+jwt';
const VERIFIED_CACHE_SIZE = 50_000;
const KEY_RELOAD_INTERVAL_MS = 60_000;
const invalidToken = () => unauthorized('INVALID_TOKEN', 'The access token is invalid or expired.');

/**
 * Signs and verifies access tokens. Verification is the largest per-request cost, so a verified token
 * is remembered until it expires (bounded, oldest first out). Keys are reloaded now and then, and at
 * once for an unknown `kid`, so a rotation on another node is picked up.
 */
export function createTokenService(
  db: Db,
  config: Pick<Config, 'PUBLIC_URL' | 'JWT_AUDIENCE' | 'ACCESS_TOKEN_TTL' | 'SIGNING_KEY_SECRET'>,
) {
  let keys: LoadedKeys | undefined;
  let loadedAt = 0;
  const verified = new Map<string, AccessClaims>();

  async function currentKeys(forceReload = false): Promise<LoadedKeys> {
    if (!keys || forceReload || Date.now() - loadedAt > KEY_RELOAD_INTERVAL_MS) {
      keys = await loadKeys(db, config).catch(async (error: unknown) => {
        // The very first start on a new database: make the first key, then read it back.
        if (!(error instanceof NoActiveKeyError)) throw error;
        await ensureSigningKey(db, config);
        return loadKeys(db, config);
      });
      loadedAt = Date.now();
    }
    return keys;
  }

  async function verificationKey(kid: string): Promise<CryptoKey> {
    const key = (await currentKeys()).verification.get(kid);
    if (key) return key;
    // Unknown kid: perhaps another node just rotated; reload at most once a second.
    if (Date.now() - loadedAt > 1000) {
      const reloaded = (await currentKeys(true)).verification.get(kid);
      if (reloaded) return reloaded;
    }
    throw invalidToken();
  }

  return {
    jwks: async () => (await currentKeys()).jwks,
    reloadKeys: () => currentKeys(true),

    async sign(claims: { sub: string; sid: string; roles: string[]; org: string | null; plan: string | null }) {
      const { active } = await currentKeys();
      const expiresIn = Math.floor(config.ACCESS_TOKEN_TTL / 1000);
      const token = await new SignJWT({ sid: claims.sid, roles: claims.roles, org: claims.org, plan: claims.plan })
        .setProtectedHeader({ alg: ALGORITHM, kid: active.kid, typ: TOKEN_TYPE })
        .setSubject(claims.sub)
        .setJti(randomUUID())
        .setIssuer(config.PUBLIC_URL)
        .setAudience(config.JWT_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(`${expiresIn}s`)
        .sign(active.privateKey);
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
