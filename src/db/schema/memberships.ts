import { index, pgEnum, pgTable, primaryKey, uuid } from 'drizzle-orm/pg-core';
import { ownedBy, tstz } from './common.js';
import { organizations } from './organizations.js';
import { users } from './users.js';

export const membershipStatus = pgEnum('membership_status', ['ACTIVE', 'SUSPENDED']);

/**
 * A person's place in an organization: one row per (organization, person). A person may belong to many;
 * their roles there are the user_roles / user_permissions rows scoped to that organization. Deleting the
 * organization ends its memberships (and those scoped grants); the accounts stay.
 */
export const organizationMemberships = pgTable(
  'organization_memberships',
  {
    organizationId: ownedBy('organization_id', () => organizations.id),
    userId: ownedBy('user_id', () => users.id),
    // A suspended member keeps the row (and its roles) but cannot act in or switch to the organization.
    status: membershipStatus('status').notNull().default('ACTIVE'),
    joinedAt: tstz('joined_at').notNull().defaultNow(),
    invitedBy: uuid('invited_by').references(() => users.id, { onDelete: 'set null' }),
  },
  (t) => [primaryKey({ columns: [t.organizationId, t.userId] }), index('organization_memberships_user_idx').on(t.userId)],
);
