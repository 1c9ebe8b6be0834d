import { event } from '../../platform/events.js';

type Named = { name: string; slug: string };
type State = { name: string; slug: string; status: string; description: string | null };

export const organizationEvents = {
  'organization.created': event<Named>('organization'),
  'organization.updated': event<{ before: Partial<State>; after: Partial<State> }>('organization'),
  'organization.deleted': event('organization'),
} as const;
