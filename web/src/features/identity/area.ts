import { lazy } from 'react';
import type { Area } from '../../app/areas.js';

export const area: Area = {
  path: 'identity-providers',
  label: 'Sign-in providers',
  order: 5,
  permissions: ['identity-providers:manage'],
  page: lazy(() => import('./ProvidersPage.js')),
};
