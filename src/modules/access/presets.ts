import type { Permission } from '../../platform/permissions.js';

export interface RoleSpec {
  name: string;
  description: string;
  permissions: Permission[];
  isDefault?: boolean;
  isSuperAdmin?: boolean;
}

export interface Preset {
  description: string;
  roles: RoleSpec[];
  userTypes?: { name: string; description: string }[];
  plans?: { name: string; description: string; features: string[] }[];
}

const readOnlyAdmin: Permission[] = ['users:read', 'roles:read', 'organizations:read', 'subscriptions:read', 'audit:read'];

/** `tessera seed --preset NAME`: ready-made role sets for common kinds of platform (events, learning, SaaS…). Every preset has a super-admin. */
export const presets = {
  basic: {
    description: 'admin and user',
    roles: [
      { name: 'admin', description: 'Full access to everything', permissions: [], isSuperAdmin: true },
      { name: 'user', description: 'Signed-in user: manages their own account', permissions: [], isDefault: true },
    ],
  },
  events: {
    description: 'events platform: PARTICIPANT by default, ORGANIZER',
    roles: [
      { name: 'ADMIN', description: 'Full access to everything', permissions: [], isSuperAdmin: true },
      { name: 'ORGANIZER', description: 'Organizes events', permissions: ['events:manage', 'users:read'] },
      { name: 'PARTICIPANT', description: 'Takes part in events', permissions: [], isDefault: true },
    ],
  },
  learning: {
    description: 'learning platform: SUPER_ADMIN, ORG_ADMIN, INSTRUCTOR, LEARNER',
    roles: [
      { name: 'SUPER_ADMIN', description: 'Full access across organizations', permissions: [], isSuperAdmin: true },
      {
        name: 'ORG_ADMIN',
        description: 'Manages the users of one organization',
        permissions: [
          ...readOnlyAdmin,
          'users:write',
          'users:delete',
          'users:suspend',
          'users:export',
          'invitations:manage',
          'sessions:manage',
          'learning:read',
          'learning:manage',
          'webhooks:manage',
        ],
      },
      {
        name: 'INSTRUCTOR',
        description: "Teaches and verifies learners' skills",
        permissions: ['users:read', 'learning:read', 'learning:manage'],
      },
      { name: 'LEARNER', description: 'Learns', permissions: [], isDefault: true },
    ],
  },
  saas: {
    description: 'SaaS: user types and subscription plans',
    roles: [
      { name: 'super_admin', description: 'Full access to everything', permissions: [], isSuperAdmin: true },
      {
        name: 'admin',
        description: 'Manages users and subscriptions of their organization',
        permissions: [...readOnlyAdmin, 'users:write', 'users:suspend', 'subscriptions:manage', 'invitations:manage', 'webhooks:manage'],
      },
      { name: 'member', description: 'A customer account', permissions: [], isDefault: true },
    ],
    userTypes: [
      { name: 'INDIVIDUAL', description: 'A person using the product on their own' },
      { name: 'BUSINESS', description: 'A member of a business account' },
      { name: 'ENTERPRISE', description: 'A member of an enterprise account' },
    ],
    plans: [
      { name: 'FREE', description: 'Free tier', features: ['basic-profile'] },
      { name: 'BASIC', description: 'Basic plan', features: ['basic-profile', 'api-access'] },
      { name: 'PREMIUM', description: 'Everything', features: ['basic-profile', 'api-access', 'priority-support', 'audit-export'] },
    ],
  },
} satisfies Record<string, Preset>;

export type PresetName = keyof typeof presets;
export const presetNames = Object.keys(presets) as PresetName[];
