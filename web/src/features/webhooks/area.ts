import { lazy } from 'react';
import type { Area } from '../../app/areas.js';

export const area: Area = {
  path: 'webhooks',
  label: 'Webhooks',
  order: 6.5,
  permissions: ['webhooks:manage'],
  page: lazy(() => import('./WebhooksPage.js')),
};
