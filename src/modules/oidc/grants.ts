import type { AppContext } from '../../context.js';
import type { SignedInCaller } from '../../platform/caller.js';
import type { DomainUseCases } from '../events.js';
import type { Applications } from './applications.js';
import { oidcErrors as errors } from './errors.js';
import * as queries from './queries.js';

type GrantPayload = { clientId?: string; openid?: { scope?: string }; resources?: Record<string, string> };

/** "Connected apps": the applications a person has let in, and taking that back (their tokens stop working). */
export function createConnectedApps(context: AppContext, useCases: DomainUseCases, applications: Applications) {
  const db = context.database.primary;
  return {
    async list(caller: SignedInCaller) {
      const rows = await queries.listAccountGrants(db, caller.principal.userId);
      const apps = await Promise.all(
        rows.map(async (row) => {
          const grant = row.payload as GrantPayload;
          const application = grant.clientId ? await applications.byClientId(grant.clientId) : undefined;
          if (!application) return undefined;
          const scopes = [grant.openid?.scope ?? '', ...Object.values(grant.resources ?? {})].join(' ').split(' ').filter(Boolean);
          return {
            grantId: row.id,
            clientId: application.clientId,
            name: application.name,
            logoUri: application.logoUri,
            scopes: [...new Set(scopes)],
            createdAt: row.createdAt.toISOString(),
          };
        }),
      );
      return { data: apps.filter((app) => app !== undefined) };
    },

    async revoke(caller: SignedInCaller, grantId: string) {
      await useCases.run(caller, async (tx, emit) => {
        const row = await queries.findArtifact(tx, 'Grant', grantId);
        if (!row || row.accountId !== caller.principal.userId) throw errors.GRANT_NOT_FOUND();
        await queries.revokeGrant(tx, grantId);
        const clientId = String((row.payload as GrantPayload).clientId ?? '');
        await emit({ type: 'oidc.consent_revoked', entityId: caller.principal.userId, payload: { clientId, grantId } });
      });
    },
  };
}
