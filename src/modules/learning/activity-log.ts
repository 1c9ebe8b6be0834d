import type { Db } from '../../db/client.js';
import type { Caller, SignedInCaller } from '../../platform/caller.js';
import { cursorOf, pageOf } from '../../platform/paging.js';
import type { Writer } from '../../platform/use-case.js';
import type { DomainEvent, EventType } from '../events.js';
import type { UserChanges } from '../users/events.js';
import { deviceTypeOf } from './device.js';
import type { Learners } from './learners.js';
import * as queries from './queries.activities.js';
import type { ActivityFilter } from './schemas.analytics.js';
import { activityView } from './views.js';

type ActivityType = queries.ActivityRow['activityType'];
type Entry = { userId: string | null; type: ActivityType; data: Record<string, unknown> };
type EventOf<T extends EventType> = Extract<DomainEvent, { type: T }>;

/** Changes to a user's own details that the activity log records as a profile update (the address has its own type). */
const PROFILE_FIELDS = new Set(['username', 'phone', 'firstName', 'lastName']);
const profileChange = ({ entityId, payload }: { entityId: string | null; payload: { changes: UserChanges } }): Entry | undefined => {
  const fields = Object.keys(payload.changes).filter((field) => PROFILE_FIELDS.has(field));
  return fields.length > 0 ? { userId: entityId, type: 'PROFILE_UPDATED', data: { fields } } : undefined;
};

/**
 * The activity types, and the domain events that are them. Each keeps what changed by name (never
 * a value that could be a secret); the learner is the event's user, or for skills and goals its payload's.
 */
const activities: { [T in EventType]?: (event: EventOf<T>) => Entry | undefined } = {
  'user.self_updated': profileChange,
  'user.updated': profileChange,
  'profile.updated': (e) => ({ userId: e.entityId, type: 'PROFILE_UPDATED', data: { fields: e.payload.fields } }),
  'learning_preferences.updated': (e) => ({ userId: e.entityId, type: 'PREFERENCES_CHANGED', data: { fields: e.payload.fields } }),
  'profile.avatar_uploaded': (e) => ({ userId: e.entityId, type: 'AVATAR_UPLOADED', data: { bytes: e.payload.bytes } }),
  'user.email_changed': (e) => ({ userId: e.entityId, type: 'EMAIL_CHANGED', data: { fields: ['email'] } }),
  'auth.password_changed': (e) => ({ userId: e.entityId, type: 'PASSWORD_CHANGED', data: { via: 'change' } }),
  'auth.password_reset': (e) => ({ userId: e.entityId, type: 'PASSWORD_CHANGED', data: { via: 'reset' } }),
  'auth.temporary_password_replaced': (e) => ({ userId: e.entityId, type: 'PASSWORD_CHANGED', data: { via: 'temporary' } }),
  'auth.password_set_by_admin': (e) => ({
    userId: e.entityId,
    type: 'PASSWORD_CHANGED',
    data: { via: 'administrator', temporary: e.payload.temporary },
  }),
  'skill.added': ({ entityId, payload: { userId, ...skill } }) => ({ userId, type: 'SKILL_ADDED', data: { skillId: entityId, ...skill } }),
  'skill.verified': ({ entityId, payload: { userId, ...skill } }) => ({
    userId,
    type: 'SKILL_VERIFIED',
    data: { skillId: entityId, ...skill },
  }),
  'goal.created': ({ entityId, payload: { userId, ...goal } }) => ({ userId, type: 'GOAL_CREATED', data: { goalId: entityId, ...goal } }),
  'goal.updated': ({ entityId, payload: { userId, title, before, after } }) => ({
    userId,
    type: 'GOAL_UPDATED',
    data: { goalId: entityId, title, fields: Object.keys(after), before, after },
  }),
};

/** Cursor of a page of activities: the created_at and id of its last row. */
const activityCursor = cursorOf(['time', 'uuid'] as const);

/** Deletes activities older than `retentionDays` before `now` in short batches (no long lock); returns how many. */
export async function pruneActivities(db: Db, now: Date, retentionDays: number, batch = 10_000) {
  const cutoff = new Date(now.getTime() - retentionDays * 86_400_000);
  let deleted = 0;
  for (;;) {
    const removed = await queries.deleteActivitiesBefore(db, cutoff, batch);
    deleted += removed;
    if (removed < batch) return deleted;
  }
}

/** The activity log: written in the transaction of the change it records, read newest first, kept for a while. */
export function createActivityLog(db: Db, { find }: Learners, retentionDays: number) {
  /**
   * The use-case writer: one row per event that is an activity, with the ip, agent and device of the learner
   * when they acted themselves. Someone else's (an administrator's) are theirs, not the learner's: the
   * learner sees this log and exports it, and the audit log keeps who acted from where.
   */
  const rowOf = (event: DomainEvent, caller: Caller): queries.NewActivity | undefined => {
    const entry = (activities[event.type] as ((event: DomainEvent) => Entry | undefined) | undefined)?.(event);
    if (!entry?.userId) return undefined;
    const own = (event.actorId ?? caller.principal?.userId) === entry.userId;
    return {
      userId: entry.userId,
      activityType: entry.type,
      activityData: entry.data,
      ipAddress: own ? caller.ipAddress : null,
      userAgent: own ? caller.userAgent : null,
      deviceType: own ? deviceTypeOf(caller.userAgent) : null,
      // Milliseconds, like the page cursors that point at rows by their time.
      createdAt: new Date(),
    };
  };
  const record: Writer<DomainEvent> = async (tx, events, caller) => {
    const rows = events.flatMap((event) => rowOf(event, caller) ?? []);
    if (rows.length > 0) await queries.insertActivities(tx, rows);
  };

  return {
    record,

    async list(caller: SignedInCaller, id: string, query: ActivityFilter) {
      const learner = await find(db, caller, id);
      const limit = query.limit ?? 20;
      const after = activityCursor.decode(query.cursor);
      const filter = {
        type: query.type,
        from: query.from ? new Date(query.from) : undefined,
        to: query.to ? new Date(query.to) : undefined,
        after: after && { createdAt: after[0], id: after[1] },
      };
      const rows = await queries.listActivities(db, learner.id, filter, limit + 1);
      const page = pageOf(rows, limit, activityView, (row) => activityCursor.encode([row.createdAt, row.id]));
      return { ...page, limit };
    },

    /** The retention job: activities past `ACTIVITY_RETENTION_DAYS` go; returns how many. */
    prune: (now = new Date()) => pruneActivities(db, now, retentionDays),
  };
}
