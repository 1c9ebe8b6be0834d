import { lazy } from 'react';
import type { Area } from '../../app/areas.js';

export const area: Area[] = [
  { path: 'users', label: 'Users', order: 1, permissions: ['users:read'], page: lazy(() => import('./UsersPage.js')) },
];
