import { pgEnum, pgTable, text, varchar } from 'drizzle-orm/pg-core';
import { createdAt, id, updatedAt } from './common.js';

export const organizationStatus = pgEnum('organization_status', ['ACTIVE', 'SUSPENDED']);

export const organizations = pgTable('organizations', {
  id: id(),
  name: varchar('name', { length: 200 }).notNull(),
  slug: varchar('slug', { length: 100 }).notNull().unique('organizations_slug_unique'),
  status: organizationStatus('status').notNull().default('ACTIVE'),
  description: text('description'),
  // Whether its members need a second factor (off, optional, required_for_admins, required); null: MFA_POLICY.
  mfa: varchar('mfa_policy', { length: 30 }),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});
