import type { SignedInCaller } from '../../platform/caller.js';
import type { ExportPart, ExportStream } from '../../platform/export-scope.js';
import type { Reads } from '../../platform/reads.js';
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
 * The export as JSON text, written as it is read: the parts held at once, then each streamed part's rows page by
 * page. `indent` as JSON.stringify's, a streamed part's rows one to a line.
 */
async function* exportJson(held: Record<string, unknown>, streamed: [string, AsyncIterable<unknown[]>][], indent = 0) {
  const [newline, pad, space] = indent > 0 ? ['\n', ' '.repeat(indent), ' '] : ['', '', ''];
  // The held parts' object (never empty: it has exportedAt), left open for the streamed ones.
  yield JSON.stringify(held, null, indent).replace(/\s*\}$/, '');
  for (const [name, pages] of streamed) {
    yield `,${newline}${pad}${JSON.stringify(name)}:${space}[`;
    let empty = true;
    for await (const rows of pages) {
      if (rows.length === 0) continue;
      yield (empty ? '' : ',') + rows.map((row) => `${newline}${pad}${pad}${JSON.stringify(row)}`).join(',');
      empty = false;
    }
    yield `${empty ? '' : newline + pad}]`;
  }
  yield `${newline}}`;
}

/**
 * GDPR access: everything Tessera holds about one person, minus secrets (hashes, tokens, key material).
 * Users give their own records; every other module contributes its part through `registerExportPart`
 * at wiring, so users never reads another module's tables. A part that can grow without bound (the audit
 * trail) is registered as a stream: read page by page once the export's transaction is over, as the answer is
 * written, so it is whole and a node holds one page of it at a time.
 */
export function createExport(useCases: DomainUseCases, learning: LearningRecords, reads: Reads) {
  const parts = new Map<string, ExportPart>();
  const streams = new Map<string, ExportStream>();
  const assertNew = (name: string) => {
    if (parts.has(name) || streams.has(name)) throw new Error(`export part ${name} is registered twice`);
  };
  return {
    registerExportPart(name: string, part: ExportPart) {
      assertNew(name);
      parts.set(name, part);
    },

    registerExportStream(name: string, stream: ExportStream) {
      assertNew(name);
      streams.set(name, stream);
    },

    /** The person's id and their export as JSON text, produced while it is sent (`indent` as JSON.stringify's). */
    async exportUser(caller: SignedInCaller, id: string) {
      const { userId, within, held } = await useCases.run(caller, async (tx, emit) => {
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
          within,
          held: {
            exportedAt: new Date().toISOString(),
            user: userView(user),
            profile: profile ? profileView(profile) : null,
            learningPreferences: withoutUserId(preferences),
            learningStats: withoutUserId(stats),
            ...Object.fromEntries(contributed),
          },
        };
      });
      const executor = await reads.for(caller);
      const streamed = () =>
        [...streams].map(([name, stream]) => [name, stream(executor, userId, within)] as [string, AsyncIterable<unknown[]>]);
      return { userId, json: (indent?: number) => exportJson(held, streamed(), indent) };
    },
  };
}
