import { useQuery } from '@tanstack/react-query';
import { api, must, tessera } from '../../app/client.js';

/** The webhooks of the caller's tenancy (their organization's, or all for a cross-tenant administrator). */
export const listWebhooks = () => must(api.GET('/webhooks', { params: { query: { limit: 100 } } }));
export type Webhook = Awaited<ReturnType<typeof listWebhooks>>['data'][number];

export const webhookPath = (id: string) => ({ params: { path: { id } } });

/** Everything that shows webhooks read again after a change. */
export const webhookKeys = {
  list: ['webhooks'],
  one: (id: string) => ['webhook', id],
  deliveries: (id: string) => ['webhook-deliveries', id],
};

/**
 * The organizations' names, for the organization a webhook listens to. `fresh`: read again whenever the caller
 * mounts (a dialog opening), for a choice that must include an organization made a moment ago, elsewhere too.
 */
export function useOrganizationNames({ fresh = false } = {}) {
  const organizations = useQuery({
    queryKey: ['organizations'],
    queryFn: () => must(api.GET('/organizations', { params: { query: { limit: 100 } } })),
    refetchOnMount: fresh ? 'always' : true,
  });
  const list = organizations.data?.data ?? [];
  return { list, name: new Map(list.map((org) => [org.id, org.name])), readAt: organizations.dataUpdatedAt };
}

/** Whether the caller acts across organizations (and so may name one, or none, for a webhook). */
export function useCrossTenant() {
  // The shell reads the same document under this key; the cache answers it.
  const me = useQuery({ queryKey: ['me', tessera.impersonation?.sessionId ?? 'self'], queryFn: () => must(api.GET('/auth/me')) });
  return me.data?.permissions.includes('tenants:all') ?? false;
}

export function organizationOf(hook: Webhook, names: Map<string, string>) {
  if (!hook.organizationId) return 'Every organization';
  return names.get(hook.organizationId) ?? hook.organizationId;
}
