import { lazy } from 'react';
import type { Area } from '../../app/areas.js';

export const area: Area = {
  path: 'invitations',
  label: 'Invitations',
  order: 4,
  permissions: ['invitations:manage'],
  page: lazy(() => import('./InvitationsPage.js')),
};
