import { isoOrNull } from '../../platform/dates.js';
import { cursorOf } from '../../platform/paging.js';
import type { ProfileRow, UserRow } from './queries.js';

/** The user as the API shows it: no password hash, verification as booleans. */
export function userView(user: UserRow) {
  return {
    id: user.id,
    email: user.email,
    username: user.username,
    phone: user.phone,
    firstName: user.firstName,
    lastName: user.lastName,
    status: user.status,
    statusReason: user.statusReason,
    emailVerified: user.emailVerifiedAt !== null,
    pendingEmail: user.pendingEmail,
    phoneVerified: user.phoneVerifiedAt !== null,
    organizationId: user.organizationId,
    userTypeId: user.userTypeId,
    lastLoginAt: isoOrNull(user.lastLoginAt),
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}

/** A one-to-one row of a user's without its keys and bookkeeping: what the API shows of it. */
export function ownFields<T extends { id: string; userId: string; createdAt: Date; updatedAt: Date }>(row: T) {
  const { id: _id, userId: _userId, createdAt: _created, updatedAt: _updated, ...fields } = row;
  return fields;
}

export const profileView = (profile: ProfileRow) => ownFields(profile);

/** The users list's keyset cursor: the sort value (as text) and id of the last row shown. */
export const userCursor = cursorOf(['text', 'uuid'] as const);

/** Learning statistics as learning keeps them, dates as ISO strings: in one's profile and a user's detail. */
export function learningStatsView(
  row: { id: string; userId: string; createdAt: Date; updatedAt: Date } & Record<string, string | number | Date | null>,
): Record<string, string | number | null> {
  return Object.fromEntries(
    Object.entries(ownFields(row)).map(([key, value]) => [key, value instanceof Date ? value.toISOString() : value]),
  );
}
