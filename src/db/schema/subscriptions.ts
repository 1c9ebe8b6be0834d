import { index, jsonb, pgEnum, pgTable, text, uuid, varchar } from 'drizzle-orm/pg-core';
import { createdAt, id, tstz, updatedAt } from './common.js';
import { users } from './users.js';

export const subscriptionStatus = pgEnum('subscription_status', ['ACTIVE', 'CANCELLED', 'EXPIRED']);

export const subscriptions = pgTable(
  'subscriptions',
  {
    id: id(),
    userId: uuid('user_id')
      .notNull()
      .unique('subscriptions_user_id_unique')
      .references(() => users.id, { onDelete: 'cascade' }),
    // Plan name: FREE, BASIC, PREMIUM … (an open set: a deployment adds its own).
    type: varchar('type', { length: 50 }).notNull(),
    startDate: tstz('start_date').notNull(),
    endDate: tstz('end_date'),
    status: subscriptionStatus('status').notNull().default('ACTIVE'),
    features: jsonb('features').$type<string[]>().notNull().default([]),
    cancelledAt: tstz('cancelled_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('subscriptions_status_end_date_idx').on(t.status, t.endDate)],
);

/** The plans a subscription's `type` names (FREE, BASIC, PREMIUM …), with their features. */
export const subscriptionPlans = pgTable('subscription_plans', {
  id: id(),
  name: varchar('name', { length: 50 }).notNull().unique('subscription_plans_name_unique'),
  description: text('description'),
  features: jsonb('features').$type<string[]>().notNull().default([]),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});
