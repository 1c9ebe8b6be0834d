import { sql } from 'drizzle-orm';
import { boolean, date, index, pgEnum, pgTable, text, uniqueIndex, uuid, varchar } from 'drizzle-orm/pg-core';
import { createdAt, id, tstz, updatedAt } from './common.js';
import { organizations } from './organizations.js';

export const userStatus = pgEnum('user_status', ['PENDING', 'ACTIVE', 'INACTIVE', 'SUSPENDED']);
export const gender = pgEnum('gender', ['MALE', 'FEMALE', 'OTHER', 'PREFER_NOT_TO_SAY']);
export const profileVisibility = pgEnum('profile_visibility', ['PUBLIC', 'ORGANIZATION', 'PRIVATE']);

export const userTypes = pgTable('user_types', {
  id: id(),
  name: varchar('name', { length: 100 }).notNull().unique('user_types_name_unique'),
  description: text('description'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const users = pgTable(
  'users',
  {
    id: id(),
    // Stored lowercased, so a lookup in any case is an index hit; 254 is the SMTP path limit.
    email: varchar('email', { length: 254 }).notNull(),
    username: varchar('username', { length: 50 }),
    phone: varchar('phone', { length: 20 }),
    passwordHash: varchar('password_hash', { length: 255 }),
    // Set with a temporary password: the next sign-in must choose a new one before it gets a session.
    passwordChangeRequired: boolean('password_change_required').notNull().default(false),
    firstName: varchar('first_name', { length: 100 }).notNull().default(''),
    lastName: varchar('last_name', { length: 100 }).notNull().default(''),
    status: userStatus('status').notNull().default('ACTIVE'),
    statusReason: text('status_reason'),
    emailVerifiedAt: tstz('email_verified_at'),
    // A new address the person asked for: the account keeps `email` (sign-in, resets) until it is confirmed.
    pendingEmail: varchar('pending_email', { length: 254 }),
    phoneVerifiedAt: tstz('phone_verified_at'),
    organizationId: uuid('organization_id').references(() => organizations.id, { onDelete: 'set null' }),
    userTypeId: uuid('user_type_id').references(() => userTypes.id, { onDelete: 'set null' }),
    lastLoginAt: tstz('last_login_at'),
    deletedAt: tstz('deleted_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('users_email_unique').on(t.email),
    uniqueIndex('users_username_unique').on(sql`lower(${t.username})`),
    // Whether an address is someone's pending one (an address being claimed never completes twice).
    index('users_pending_email_idx').on(t.pendingEmail).where(sql`${t.pendingEmail} IS NOT NULL`),
    uniqueIndex('users_phone_unique').on(t.phone).where(sql`${t.phone} IS NOT NULL`),
    // The id closes each key so keyset pages ((created_at, id) < cursor) walk the index without sorting.
    index('users_status_created_at_idx').on(t.status, t.createdAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index('users_created_at_idx').on(t.createdAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index('users_organization_status_idx').on(t.organizationId, t.status, t.createdAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index('users_user_type_idx').on(t.userTypeId),
    index('users_last_login_at_idx').on(t.lastLoginAt.desc()),
  ],
);

export const profiles = pgTable('profiles', {
  id: id(),
  userId: uuid('user_id')
    .notNull()
    .unique('profiles_user_id_unique')
    .references(() => users.id, { onDelete: 'cascade' }),
  avatarUrl: varchar('avatar_url', { length: 500 }),
  bio: text('bio'),
  timezone: varchar('timezone', { length: 64 }).notNull().default('UTC'),
  language: varchar('language', { length: 35 }).notNull().default('en'),
  phoneNumber: varchar('phone_number', { length: 20 }),
  dateOfBirth: date('date_of_birth'),
  gender: gender('gender'),
  addressLine1: varchar('address_line1', { length: 200 }),
  addressLine2: varchar('address_line2', { length: 200 }),
  city: varchar('city', { length: 100 }),
  stateProvince: varchar('state_province', { length: 100 }),
  postalCode: varchar('postal_code', { length: 20 }),
  country: varchar('country', { length: 100 }),
  linkedinUrl: varchar('linkedin_url', { length: 500 }),
  twitterUrl: varchar('twitter_url', { length: 500 }),
  websiteUrl: varchar('website_url', { length: 500 }),
  profileVisibility: profileVisibility('profile_visibility').notNull().default('ORGANIZATION'),
  showEmail: boolean('show_email').notNull().default(false),
  showPhone: boolean('show_phone').notNull().default(false),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});
