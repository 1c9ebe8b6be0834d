import { lazy } from 'react';
import type { Area } from '../../app/areas.js';

export const area: Area = {
  path: 'organizations',
  label: 'Organizations',
  order: 3,
  permissions: ['organizations:read'],
  page: lazy(() => import('./OrganizationsPage.js')),
};
