import { lazy } from 'react';
import type { Area } from '../../app/areas.js';

export const area: Area = {
  path: 'import',
  label: 'Import',
  order: 6,
  permissions: ['users:write'],
  page: lazy(() => import('./ImportPage.js')),
};
