import { lazy } from 'react';
import type { Area } from '../../app/areas.js';

export const area: Area = {
  path: 'overview',
  label: 'Overview',
  order: 0,
  permissions: ['statistics:read'],
  page: lazy(() => import('./OverviewPage.js')),
};
