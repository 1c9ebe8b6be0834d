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
  // Its own look on the pages it invites people to (null: the deployment's BRAND_* settings).
  brandName: varchar('brand_name', { length: 100 }),
  brandLogoUrl: varchar('brand_logo_url', { length: 2000 }),
  brandPrimaryColor: varchar('brand_primary_color', { length: 7 }),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});
