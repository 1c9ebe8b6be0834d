import { useQueries } from '@tanstack/react-query';
import { api, must } from '../../app/client.js';

/** What an audit row names, and where the console shows it. */
export interface Named {
  label: string;
  href?: string;
}

type Kind = 'user' | 'organization' | 'role' | 'invitation';

/** The name of one thing the trail mentions; the console's page for it, when there is one. */
const lookups: Record<Kind, (id: string) => Promise<Named>> = {
  user: async (id) => ({ label: (await must(api.GET('/users/{id}', { params: { path: { id } } }))).email, href: `#/users/${id}` }),
  organization: async (id) => ({
    label: (await must(api.GET('/organizations/{id}', { params: { path: { id } } }))).name,
    href: `#/organizations/${id}`,
  }),
  role: async (id) => ({ label: (await must(api.GET('/roles/{id}', { params: { path: { id } } }))).name, href: `#/access/${id}` }),
  invitation: async (id) => ({ label: `invitation for ${(await must(api.GET('/invitations/{id}', { params: { path: { id } } }))).email}` }),
};
const isKind = (entity: string): entity is Kind => entity in lookups;

/**
 * A UUIDv7 begins with its timestamp, so ids written in the same minute share their first characters: the
 * random end is what tells two apart when no name can be found (a deleted row, or one this admin may not read).
 */
const shortId = (id: string) => `…${id.slice(-8)}`;

/**
 * Names for the ids on the page, each asked for once and kept for a minute: the people, organizations, roles
 * and invitations rows point to, whoever they are (a list of the first hundred users would miss most of them).
 */
export function useNames(mentions: { kind: string; id: string | null }[]) {
  const wanted = [...new Map(mentions.filter((m) => m.id && isKind(m.kind)).map((m) => [`${m.kind}:${m.id}`, m])).values()];
  const answers = useQueries({
    queries: wanted.map(({ kind, id }) => ({
      queryKey: ['audit-name', kind, id],
      staleTime: 60_000,
      retry: false,
      queryFn: () => lookups[kind as Kind](id as string),
    })),
  });
  const found = new Map(wanted.map(({ kind, id }, at) => [`${kind}:${id}`, answers[at]?.data]));
  return (kind: string, id: string | null): Named =>
    id ? (found.get(`${kind}:${id}`) ?? { label: `${kind} ${shortId(id)}` }) : { label: 'system' };
}
