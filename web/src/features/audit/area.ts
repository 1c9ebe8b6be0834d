import { lazy } from 'react';
import type { Area } from '../../app/areas.js';

export const area: Area = {
  path: 'audit',
  label: 'Audit log',
  order: 7,
  permissions: ['audit:read'],
  page: lazy(() => import('./AuditPage.js')),
};
