import { lazy } from 'react';
import type { Area } from '../../app/areas.js';

export const area: Area = {
  path: 'access',
  label: 'Access',
  order: 2,
  permissions: ['roles:read'],
  page: lazy(() => import('./AccessPage.js')),
};
