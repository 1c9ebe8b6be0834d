import { lazy } from 'react';
import type { Area } from '../../app/areas.js';

export const area: Area = {
  path: 'plans',
  label: 'Plans',
  order: 2.5,
  permissions: ['subscriptions:read'],
  page: lazy(() => import('./PlansPage.js')),
};
