import type { Principal, SignedInCaller } from '../../platform/caller.js';
import { cachedAccessProfile } from '../access/service.js';
import { userErrors } from '../users/errors.js';
import { API_KEY_PREFIX, type ApiKeys } from './api-keys.js';
import type { AuthKit } from './deps.js';
import { authErrors as errors } from './errors.js';
import type { Impersonation, RequestFacts } from './impersonation.js';
import * as queries from './queries.js';
import type { UserViews } from './user-views.js';

export interface Credentials {
  bearer?: string;
  apiKey?: string;
  /** The request they came with: an impersonation token's every request is audited with it. */
  request?: RequestFacts;
}

/** "Who is asking?": a request's access token or API key becomes its principal, or a 401. */
export function createAuthenticator(kit: AuthKit, apiKeys: ApiKeys, userViews: UserViews, impersonation: Impersonation) {
  const { database } = kit.context;
  const db = database.primary;
  const { tokens, liveness } = kit;

  return {
    async authenticate(credentials: Credentials): Promise<Principal | undefined> {
      const apiKey = credentials.apiKey ?? (credentials.bearer?.startsWith(API_KEY_PREFIX) ? credentials.bearer : undefined);
      if (apiKey) return apiKeys.authenticate(apiKey);
      if (!credentials.bearer) return undefined;
      const claims = await tokens.verify(credentials.bearer);
      // A valid signature is not enough: the session may have ended since the token was issued.
      if (!liveness.isKnownLive(claims.sid)) {
        const session = await queries.findSession(db, claims.sid);
        if (!session || session.userId !== claims.sub || !queries.isSessionLive(session)) throw errors.SESSION_ENDED();
        // An impersonation token belongs to an impersonation session of the same administrator, and no other does.
        if ((session.impersonatorId ?? undefined) !== claims.act?.sub) throw errors.INVALID_TOKEN();
        liveness.rememberLive(session.id, session.userId);
      }
      // The tenant comes from the user as they are now (cached, dropped on every change), not from the
      // token: one issued before an organization change must not act outside the new one.
      const [profile, current] = await Promise.all([cachedAccessProfile(kit.context, db, claims.sub), userViews.get(claims.sub)]);
      if (!current) throw errors.SESSION_ENDED();
      const principal: Principal = {
        userId: claims.sub,
        sessionId: claims.sid,
        apiKeyId: null,
        organizationId: current.user.organizationId,
        roles: profile.roles,
        permissions: new Set(profile.permissions),
        crossTenant: profile.crossTenant,
        ...(claims.act ? { actor: { userId: claims.act.sub } } : {}),
      };
      if (principal.actor) await impersonation.audit(principal, credentials.request);
      return principal;
    },

    /** The signed-in user, their roles, effective permissions and plan: from memory in the common case, like the principal. */
    async me(caller: SignedInCaller) {
      const { principal } = caller;
      const cached = await userViews.get(principal.userId);
      if (!cached) throw userErrors.USER_NOT_FOUND();
      const { user, plan } = cached;
      return {
        ...user,
        roles: principal.roles,
        permissions: [...principal.permissions].sort(),
        subscription: plan ? { plan } : null,
      };
    },
  };
}
