/**
 * Which module owns each table: only the owner's files build SQL on it (`test/ownership.test.ts` fails
 * otherwise). Another module goes through the owner's published service, or joins through an SQL
 * condition the owner's service hands out (users' `userConditions`), never through the table itself.
 * A new table gets its line here; docs/modules.md lists the same.
 */
export const tableOwners = {
  users: 'users',
  profiles: 'users',
  roles: 'access',
  permissions: 'access',
  role_permissions: 'access',
  user_roles: 'access',
  user_permissions: 'access',
  user_types: 'access',
  organizations: 'organizations',
  organization_memberships: 'organizations',
  subscriptions: 'subscriptions',
  subscription_plans: 'subscriptions',
  sessions: 'auth',
  refresh_tokens: 'auth',
  one_time_tokens: 'auth',
  api_keys: 'auth',
  signing_keys: 'auth',
  mfa_factors: 'mfa',
  mfa_challenges: 'mfa',
  mfa_remembered_devices: 'mfa',
  identity_providers: 'federation',
  user_identities: 'federation',
  oauth_flows: 'federation',
  oauth_codes: 'federation',
  user_invitations: 'invitations',
  learning_preferences: 'learning',
  learning_stats: 'learning',
  user_skills: 'learning',
  user_goals: 'learning',
  user_activities: 'learning',
  learning_events: 'learning',
  learning_days: 'learning',
  audit_logs: 'audit',
  email_outbox: 'mail',
  webhooks: 'webhooks',
  webhook_deliveries: 'webhooks',
  webhook_entity_versions: 'webhooks',
  applications: 'oidc',
  oidc_artifacts: 'oidc',
} as const;

export type TableOwner = (typeof tableOwners)[keyof typeof tableOwners];
