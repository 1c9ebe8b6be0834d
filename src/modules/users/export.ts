import type { SignedInCaller } from '../../platform/caller.js';
import type { ExportPart } from '../../platform/export-scope.js';
import { tenantOf } from '../access/service.js';
import type { DomainUseCases } from '../events.js';
import * as queries from './queries.js';
import { visibleUser } from './records.js';
import type { LearningRecords } from './self.js';
import { profileView, userView } from './views.js';

export type { ExportPart } from '../../platform/export-scope.js';

const withoutUserId = <T extends { userId?: unknown }>(row: T | undefined) => {
  if (!row) return null;
  const { userId: _userId, ...rest } = row;
  return rest;
};

/**
 * GDPR access: everything Tessera holds about one person, minus secrets (hashes, tokens, key material).
 * Users give their own records; every other module contributes its part through `registerExportPart`
 * at wiring, so users never reads another module's tables.
 */
export function createExport(useCases: DomainUseCases, learning: LearningRecords) {
  const parts = new Map<string, ExportPart>();
  return {
    registerExportPart(name: string, part: ExportPart) {
      if (parts.has(name)) throw new Error(`export part ${name} is registered twice`);
      parts.set(name, part);
    },

    async exportUser(caller: SignedInCaller, id: string) {
      return useCases.run(caller, async (tx, emit) => {
        const user = await visibleUser(tx, caller.principal, id);
        await emit({ type: 'user.exported', entityId: user.id });
        const [profile, preferences, stats] = await Promise.all([
          queries.findProfile(tx, user.id),
          learning.preferencesOf(tx, user.id),
          learning.statsOf(tx, user.id),
        ]);
        const within = user.id === caller.principal.userId ? undefined : tenantOf(caller.principal);
        const contributed = await Promise.all([...parts].map(async ([name, part]) => [name, await part(tx, user.id, within)] as const));
        return {
          userId: user.id,
          data: {
            exportedAt: new Date().toISOString(),
            user: userView(user),
            profile: profile ? profileView(profile) : null,
            learningPreferences: withoutUserId(preferences),
            learningStats: withoutUserId(stats),
            ...Object.fromEntries(contributed),
          },
        };
      });
    },
  };
}
