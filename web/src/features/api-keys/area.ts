import { lazy } from 'react';
import type { Area } from '../../app/areas.js';

// Every administrator has keys of their own: shown to anyone who may use the console.
export const area: Area = {
  path: 'api-keys',
  label: 'My API keys',
  order: 8,
  permissions: ['users:read', 'audit:read', 'roles:read', 'organizations:read', 'statistics:read'],
  page: lazy(() => import('./ApiKeysPage.js')),
};
