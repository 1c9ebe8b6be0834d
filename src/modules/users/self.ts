import type { Static } from '@sinclair/typebox';
import type { AppContext } from '../../context.js';
import type { Executor } from '../../db/client.js';
import { httpErrors } from '../../http/errors.js';
import type { SignedInCaller } from '../../platform/caller.js';
import type { FileStorage } from '../../platform/storage.js';
import type { DomainUseCases } from '../events.js';
import { AVATAR_PATH, processAvatar, storedAvatarKeys } from './avatar.js';
import { type EmailChanges, newAddressOf } from './email-change.js';
import { userErrors as errors } from './errors.js';
import { withNameSplit } from './names.js';
import * as queries from './queries.js';
import { applyUserChange, assertIdentifierChangesAllowed, saveFields, saveProfile, visibleUser } from './records.js';
import type { PreferencesView, SelfUpdate } from './schemas.js';
import { learningStatsView, ownFields, profileView, userView } from './views.js';

export { AVATAR_PATH } from './avatar.js';

type OwnRow = { id: string; userId: string; createdAt: Date; updatedAt: Date };
type PreferencesRow = OwnRow & Static<typeof PreferencesView>;
type StatsRow = OwnRow & Record<string, string | number | Date | null>;

/**
 * A user's learning preferences and statistics, which the learning module keeps (wired after users): it
 * answers through this port, so users never reads its tables.
 */
export interface LearningRecords {
  preferencesOf(executor: Executor, userId: string): Promise<PreferencesRow | undefined>;
  statsOf(executor: Executor, userId: string): Promise<StatsRow | undefined>;
  savePreferences(executor: Executor, userId: string, values: NonNullable<SelfUpdate['preferences']>): Promise<PreferencesRow>;
}

/** Until learning is wired: no records, and nothing to save them in. */
export const noLearningRecords: LearningRecords = {
  preferencesOf: async () => undefined,
  statsOf: async () => undefined,
  savePreferences: async () => {
    throw new Error('the learning module is not wired');
  },
};

/** A call to the file store; it failing (S3 away, refusing, timing out) is a store away: 503, as for the database. */
async function reachStorage<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (cause) {
    throw httpErrors.STORAGE_UNAVAILABLE({ cause });
  }
}

/** Self-service: your user with profile, learning preferences and statistics; your avatar. */
export function createSelfService(
  { config, database }: AppContext,
  {
    useCases,
    storage,
    emailChanges,
    learning,
  }: { useCases: DomainUseCases; storage: FileStorage; emailChanges: EmailChanges; learning: LearningRecords },
) {
  const db = database.primary;

  async function profileOf(executor: Executor, caller: SignedInCaller) {
    const user = await visibleUser(executor, caller.principal, 'me');
    const [profile, preferences, stats] = await Promise.all([
      queries.findProfile(executor, user.id),
      learning.preferencesOf(executor, user.id),
      learning.statsOf(executor, user.id),
    ]);
    return {
      ...userView(user),
      profile: profileView(profile ?? (await queries.upsertProfile(executor, user.id, {}))),
      preferences: preferences ? ownFields(preferences) : null,
      stats: stats ? learningStatsView(stats) : null,
    };
  }

  return {
    profile: (caller: SignedInCaller) => profileOf(db, caller),

    /** A new address waits for confirmation (email-change.ts); everything else changes at once. */
    async updateProfile(caller: SignedInCaller, body: SelfUpdate) {
      const { profile, preferences, currentPassword, email, ...fields } = withNameSplit(body);
      // An API key never changes an address, so it cannot probe the password through this route either.
      const current = await visibleUser(db, caller.principal, 'me');
      assertIdentifierChangesAllowed(caller.principal, current, { ...fields, email });
      await emailChanges.assertStepUp(caller, current, email, currentPassword);
      return useCases.run(caller, async (tx, emit) => {
        const before = await visibleUser(tx, caller.principal, 'me');
        assertIdentifierChangesAllowed(caller.principal, before, { ...fields, email });
        const changed = Object.keys(fields).length > 0 ? await applyUserChange(tx, emit, before, fields, 'user.self_updated') : before;
        const pending = newAddressOf(before, email);
        if (pending !== undefined) await emailChanges.request(tx, emit, caller, changed, pending);
        if (profile) await saveProfile(tx, emit, before.id, profile);
        if (preferences) {
          await saveFields(emit, 'learning_preferences.updated', before.id, preferences, {
            read: () => learning.preferencesOf(tx, before.id),
            write: () => learning.savePreferences(tx, before.id, preferences),
          });
        }
        return profileOf(tx, caller);
      });
    },

    /**
     * The image is checked and re-encoded before anything is stored; the previous files go once the new URL is
     * committed, and the new ones go again if it is not (the transaction failed: no profile names them).
     */
    async uploadAvatar(caller: SignedInCaller, upload: Buffer) {
      const avatar = await processAvatar(upload, config);
      const stored: string[] = [];
      const removeStored = async () => {
        for (const key of stored) await storage.remove(key).catch(() => undefined);
      };
      try {
        for (const file of avatar.files) {
          await reachStorage(() => storage.put(file.key, file.data));
          stored.push(file.key);
        }
      } catch (error) {
        await removeStored();
        throw error;
      }
      const userId = caller.principal.userId;
      try {
        return await useCases.run(caller, async (tx, emit) => {
          const before = await queries.findProfile(tx, userId);
          const after = await queries.upsertProfile(tx, userId, { avatarUrl: `${config.PUBLIC_URL}${AVATAR_PATH}${avatar.files[0]?.key}` });
          await emit({ type: 'profile.avatar_uploaded', entityId: userId, payload: { bytes: upload.length } });
          const previous = storedAvatarKeys(before?.avatarUrl);
          if (previous.length > 0) {
            useCases.whenCommitted(async () => {
              for (const key of previous) await storage.remove(key);
            });
          }
          return profileView(after);
        });
      } catch (error) {
        await removeStored();
        throw error;
      }
    },

    async avatarFile(file: string) {
      const data = await reachStorage(() => storage.get(file));
      if (!data) throw errors.AVATAR_NOT_FOUND();
      return data;
    },
  };
}
