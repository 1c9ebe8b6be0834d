import { lazy } from 'react';
import type { Area } from '../../app/areas.js';

export const area: Area = {
  path: 'applications',
  label: 'Applications',
  order: 6,
  permissions: ['applications:manage'],
  page: lazy(() => import('./ApplicationsPage.js')),
};
