import type { UserGrants } from '../../platform/access-cache.js';
import type { Principal, SignedInCaller } from '../../platform/caller.js';
import { cachedUserGrants, profileIn } from '../access/service.js';
import { userErrors } from '../users/errors.js';
import { activeOrganization } from './active-organization.js';
import { API_KEY_PREFIX, type ApiKeys } from './api-keys.js';
import type { BrowserSession } from './browser-sessions.js';
import type { AuthKit } from './deps.js';
import { authErrors as errors } from './errors.js';
import type { Impersonation, RequestFacts } from './impersonation.js';
import * as queries from './queries.js';
import { acrOf } from './tokens.js';
import type { CachedUser, UserViews } from './user-views.js';

export interface Credentials {
  bearer?: string;
  apiKey?: string;
  /** The request they came with: an impersonation token's every request is audited with it. */
  request?: RequestFacts;
}

/** "Who is asking?": a request's access token or API key becomes its principal, or a 401. */
/**
 * A verifier of bearer tokens other than Tessera's own (the OpenID provider's access tokens for its API): a
 * principal for a token it recognises, undefined for one that is not its kind, a 401 for a bad one of its kind.
 */
export type BearerVerifier = (token: string) => Promise<Principal | undefined>;

export function createAuthenticator(
  kit: Pick<AuthKit, 'context' | 'liveness' | 'tokens'>,
  apiKeys: ApiKeys,
  userViews: UserViews,
  impersonation: Impersonation,
) {
  const { database } = kit.context;
  const db = database.primary;
  const { tokens, liveness } = kit;
  const otherBearers: BearerVerifier[] = [];

  /**
   * The organization comes from the memberships as they are now (cached, dropped on every change on every
   * node), the session only saying which one it asks for: a removed or suspended membership, or a move to
   * another organization, counts on the next request.
   */
  async function sessionPrincipal(userId: string, sessionId: string, askedOrganization: string | null) {
    const [grants, current] = await Promise.all([cachedUserGrants(kit.context, db, userId), userViews.get(userId)]);
    if (!current) throw errors.SESSION_ENDED();
    const active = activeOrganization(askedOrganization, {
      defaultOrganizationId: current.user.organizationId,
      memberships: current.memberships,
    });
    const profile = profileIn(grants, active.scope);
    return {
      userId,
      sessionId,
      apiKeyId: null,
      organizationId: active.id,
      roles: profile.roles,
      permissions: new Set(profile.permissions),
      crossTenant: profile.crossTenant,
    };
  }

  return {
    /** The OpenID provider, wired after auth, has Tessera's API accept its access tokens (an application's, a person's). */
    registerBearerVerifier: (verify: BearerVerifier) => void otherBearers.push(verify),

    async authenticate(credentials: Credentials): Promise<Principal | undefined> {
      const apiKey = credentials.apiKey ?? (credentials.bearer?.startsWith(API_KEY_PREFIX) ? credentials.bearer : undefined);
      if (apiKey) return apiKeys.authenticate(apiKey);
      if (!credentials.bearer) return undefined;
      for (const verify of otherBearers) {
        const principal = await verify(credentials.bearer);
        if (principal) return principal;
      }
      const claims = await tokens.verify(credentials.bearer);
      // A valid signature is not enough: the session may have ended since the token was issued.
      if (!liveness.isKnownLive(claims.sid)) {
        const session = await queries.findSession(db, claims.sid);
        if (!session || session.userId !== claims.sub || !queries.isSessionLive(session)) throw errors.SESSION_ENDED();
        // An impersonation token belongs to an impersonation session of the same administrator, and no other does.
        if ((session.impersonatorId ?? undefined) !== claims.act?.sub) throw errors.INVALID_TOKEN();
        liveness.rememberLive(session.id, session.userId, queries.sessionEnd(session));
      }
      const principal: Principal = {
        ...(await sessionPrincipal(claims.sub, claims.sid, claims.org ?? null)),
        amr: claims.amr ?? ['pwd'],
        authTime: claims.auth_time,
        ...(claims.act ? { actor: { userId: claims.act.sub } } : {}),
      };
      if (principal.actor) await impersonation.audit(principal, credentials.request);
      return principal;
    },

    /**
     * The principal of a browser session (the hosted pages acting for its person where the rules need their
     * permissions: an API key's scopes), as an access token of that session would carry it.
     */
    async browserSessionPrincipal(session: BrowserSession): Promise<Principal> {
      return {
        ...(await sessionPrincipal(session.userId, session.sessionId, session.organizationId)),
        amr: session.amr,
        authTime: Math.floor(session.authTime.getTime() / 1000),
      };
    },

    /**
     * The signed-in user, their roles, effective permissions and plan, their organizations with the roles
     * held in each, and the one this request acts in: from memory in the common case, like the principal,
     * and the same answer object while nothing it is made of changed (see `remembered`).
     */
    async me(caller: SignedInCaller) {
      const { principal } = caller;
      const [cached, grants] = await Promise.all([userViews.get(principal.userId), cachedUserGrants(kit.context, db, principal.userId)]);
      if (!cached) throw userErrors.USER_NOT_FOUND();
      return remembered(cached, grants, principal);
    },
  };
}

type MeAnswer = ReturnType<typeof meAnswer>;

function meAnswer(cached: CachedUser, grants: UserGrants, principal: Principal) {
  const { user, plan } = cached;
  const active = cached.memberships.find((membership) => membership.id === principal.organizationId);
  return {
    ...user,
    roles: principal.roles,
    permissions: [...principal.permissions].sort(),
    subscription: plan ? { plan } : null,
    organizations: cached.memberships.map((membership) => ({
      ...membership,
      roles: grants.byOrganization[membership.id]?.roles ?? [],
    })),
    activeOrganization: active ? { id: active.id, name: active.name, slug: active.slug } : null,
    amr: principal.amr ?? [],
    acr: acrOf(principal.amr ?? []),
  };
}

/** Different principals of one person (organizations, sign-in methods, API keys' scopes) kept per cached view at most. */
const ANSWERS_PER_VIEW = 64;
const answers = new WeakMap<CachedUser, WeakMap<UserGrants, Map<string, MeAnswer>>>();

/**
 * /auth/me's answer, built once per cached view, cached grants and principal, so a person in fifty
 * organizations costs what a person in one does (the list is neither rebuilt nor serialized again per call).
 * Kept with the cached objects it is made of: a change to the user, a membership or a grant replaces them,
 * on every node, and the answer goes with them.
 */
function remembered(cached: CachedUser, grants: UserGrants, principal: Principal): MeAnswer {
  let byGrants = answers.get(cached);
  if (!byGrants) {
    byGrants = new WeakMap();
    answers.set(cached, byGrants);
  }
  let byPrincipal = byGrants.get(grants);
  if (!byPrincipal) {
    byPrincipal = new Map();
    byGrants.set(grants, byPrincipal);
  }
  const key = JSON.stringify([principal.organizationId, principal.roles, [...principal.permissions], principal.amr]);
  let answer = byPrincipal.get(key);
  if (!answer) {
    if (byPrincipal.size >= ANSWERS_PER_VIEW) byPrincipal.clear();
    answer = meAnswer(cached, grants, principal);
    byPrincipal.set(key, answer);
  }
  return answer;
}
