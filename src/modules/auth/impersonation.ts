import type { Caller, Principal, SignedInCaller } from '../../platform/caller.js';
import { cachedAccessProfile } from '../access/service.js';
import type { AuthKit } from './deps.js';
import { authErrors as errors } from './errors.js';
import * as queries from './queries.js';
import { mayHoldSession } from './sign-in.js';

/** An impersonation token lives at most this long and is never refreshed: support ends or starts again. */
export const IMPERSONATION_TTL_MS = 30 * 60_000;

/** The request an impersonation token came with, as its audit row records it. */
export interface RequestFacts {
  method: string;
  path: string;
  ipAddress: string | null;
  userAgent: string | null;
  requestId: string | null;
}

/**
 * Support acting as a user (RFC 8693 impersonation): an administrator holding `users:impersonate` gets an
 * access token for the user, carrying `act: { sub: <administrator> }`, in a session of its own that the
 * user sees in their session list. Never a super-admin, nor anyone holding access the administrator does
 * not; never from an API key or from another impersonation; every request made with it is audited.
 */
export function createImpersonation(kit: Pick<AuthKit, 'context' | 'subscriptions' | 'tokens' | 'useCases' | 'users'>) {
  const { useCases, tokens } = kit;

  return {
    async impersonate(caller: SignedInCaller, id: string, reason: string) {
      const { principal } = caller;
      if (principal.apiKeyId) throw errors.IMPERSONATION_REFUSED('An API key cannot impersonate: sign in.');
      if (principal.actor) throw errors.IMPERSONATION_REFUSED('An impersonation token cannot start another impersonation.');
      return useCases.run(caller, async (tx, emit) => {
        const user = await kit.users.actionableUser(tx, principal, id);
        if (user.id === principal.userId) throw errors.IMPERSONATION_REFUSED('You cannot impersonate yourself.');
        // What the person holds in their default organization, where the impersonation acts.
        const profile = await cachedAccessProfile(kit.context, tx, user.id, user.organizationId);
        if (profile.isSuperAdmin) throw errors.IMPERSONATION_REFUSED('A super-admin cannot be impersonated.');
        if (!mayHoldSession(kit, user)) throw errors.IMPERSONATION_REFUSED('This account cannot hold a session (inactive or unverified).');
        const expiresAt = new Date(Date.now() + IMPERSONATION_TTL_MS);
        const session = await queries.insertSession(tx, {
          userId: user.id,
          organizationId: user.organizationId,
          ipAddress: caller.ipAddress,
          userAgent: caller.userAgent?.slice(0, 500) ?? null,
          idleExpiresAt: expiresAt,
          expiresAt,
          impersonatorId: principal.userId,
          impersonationReason: reason,
        });
        const plan = await kit.subscriptions.activePlan(tx, user.id);
        const signed = await tokens.sign(
          tx,
          {
            sub: user.id,
            sid: session.id,
            roles: profile.roles,
            org: user.organizationId,
            plan,
            // How and when the administrator proved who they are: the person did not sign in.
            amr: principal.amr ?? [],
            authTime: new Date((principal.authTime ?? 0) * 1000),
            act: { sub: principal.userId },
          },
          IMPERSONATION_TTL_MS,
        );
        await emit({
          type: 'auth.impersonation_started',
          entityId: user.id,
          payload: { sessionId: session.id, impersonatorId: principal.userId, reason, expiresAt: expiresAt.toISOString() },
        });
        return {
          accessToken: signed.token,
          tokenType: 'Bearer' as const,
          expiresIn: signed.expiresIn,
          expiresAt: expiresAt.toISOString(),
          sessionId: session.id,
          user: kit.users.view(user),
        };
      });
    },

    /** Every request made with an impersonation token: one audit row naming the user and the administrator. */
    async audit(principal: Principal, request: RequestFacts | undefined) {
      const caller: Caller = {
        principal,
        ipAddress: request?.ipAddress ?? null,
        userAgent: request?.userAgent ?? null,
        requestId: request?.requestId ?? null,
      };
      await useCases.run(caller, async (_tx, emit) => {
        await emit({
          type: 'auth.impersonated_request',
          entityId: principal.userId,
          payload: { sessionId: principal.sessionId ?? '', method: request?.method ?? '', path: (request?.path ?? '').slice(0, 500) },
        });
      });
    },
  };
}

export type Impersonation = ReturnType<typeof createImpersonation>;
