import { createLocalJWKSet, decodeJwt, type JWK, jwtVerify } from 'jose';
import type { AppContext } from '../../context.js';
import type { Principal } from '../../platform/caller.js';
import { cachedAccessProfile } from '../access/service.js';
import { authErrors } from '../auth/errors.js';
import { memberships } from '../organizations/service.js';
import type { UsersService } from '../users/service.js';
import type { Applications } from './applications.js';

const PUBLIC_MEMBERS = ['kty', 'crv', 'x', 'y', 'n', 'e', 'kid', 'alg', 'use'] as const;
export const publicJwk = (key: JWK): JWK => Object.fromEntries(PUBLIC_MEMBERS.filter((m) => key[m] !== undefined).map((m) => [m, key[m]]));

/**
 * Tessera's API accepts the provider's RFC 9068 access tokens for it (audience = its resource indicator), as an
 * API key of the application: a service application's token acts as its maker, a person's token as that
 * person, either with only the permissions the token's scopes name of what they hold now.
 */
export function createApplicationTokenVerifier(
  context: AppContext,
  applications: Applications,
  options: { apiResource: string; jwks: () => Promise<JWK[]>; users: Pick<UsersService, 'findById'> },
) {
  const db = context.database.primary;
  let keySet: { kids: string; verify: ReturnType<typeof createLocalJWKSet> } | undefined;

  async function currentKeySet() {
    const keys = await options.jwks();
    const kids = keys.map((key) => key.kid).join(',');
    if (keySet?.kids !== kids) keySet = { kids, verify: createLocalJWKSet({ keys: keys.map(publicJwk) }) };
    return keySet.verify;
  }

  return async function verify(token: string): Promise<Principal | undefined> {
    let clientId: unknown;
    try {
      clientId = decodeJwt(token).client_id;
    } catch {
      return undefined;
    }
    // Tessera's own tokens carry no client_id: not ours to judge.
    if (typeof clientId !== 'string') return undefined;
    let claims: Record<string, unknown>;
    try {
      ({ payload: claims } = await jwtVerify(token, await currentKeySet(), {
        issuer: context.config.PUBLIC_URL,
        audience: options.apiResource,
        typ: 'at+jwt',
        algorithms: ['RS256', 'ES256', 'EdDSA'],
        requiredClaims: ['sub', 'exp', 'iat', 'jti'],
      }));
    } catch {
      throw authErrors.INVALID_TOKEN();
    }
    const application = await applications.byClientId(clientId);
    const userId = claims.sub === clientId ? application?.ownerId : (claims.sub as string);
    const user = userId ? await options.users.findById(db, userId) : undefined;
    if (!application || !user || user.status !== 'ACTIVE') throw authErrors.INVALID_TOKEN();
    const scopes = new Set(typeof claims.scope === 'string' ? claims.scope.split(' ') : []);
    // The token acts in the person's default organization, with what they hold there while that membership is
    // in force (and platform-wide).
    const profile = await cachedAccessProfile(context, db, user.id, await memberships.defaultScope(db, user));
    const scoped = profile.permissions.filter((permission) => scopes.has(permission) && application.scopes.includes(permission));
    return {
      userId: user.id,
      sessionId: null,
      apiKeyId: application.id,
      organizationId: user.organizationId,
      roles: profile.roles,
      permissions: new Set(scoped),
      crossTenant: profile.crossTenant && scoped.includes('tenants:all'),
    };
  };
}
