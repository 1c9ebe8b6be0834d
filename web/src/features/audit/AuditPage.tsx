import * as Dialog from '@radix-ui/react-dialog';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { useState } from 'react';
import { api, must } from '../../app/client.js';
import { DataTable } from '../../ui/DataTable.js';
import { counted, csvOf, download, Empty, ErrorNote, LiveStatus, Page, when } from '../../ui/parts.js';
import { problemOf } from '../../ui/validation.js';
import { type Named, useNames } from './names.js';

interface Filters {
  actorId?: string;
  action?: string;
  entity?: string;
  from?: string;
  to?: string;
}
const page = (filters: Filters, cursor?: string) =>
  must(api.GET('/audit-logs', { params: { query: { limit: 50, ...filters, ...(cursor ? { cursor } : {}) } } }));
type Row = Awaited<ReturnType<typeof page>>['data'][number];

const NameOf = ({ named }: { named: Named }) => (named.href ? <a href={named.href}>{named.label}</a> : named.label);

const isId = (text: string) => problemOf({ type: 'string', format: 'uuid' }, text) === undefined;

/** The actor filter's id: an id as typed, or the user an email names (an administrator knows people, not ids). */
async function actorIdOf(actor: string | undefined) {
  if (!actor || isId(actor)) return actor;
  const found = await must(api.GET('/users', { params: { query: { search: actor, limit: 10 } } }));
  const person = found.data.find((user) => user.email.toLowerCase() === actor.toLowerCase());
  if (!person) throw `No user has the email ${actor}.`;
  return person.id;
}

/** Rows a person's erasure emptied are erased, not tampered: said beside the chain's status, when there are any. */
function erasedNote({ erased, erasedLinkOnly }: { erased: number; erasedLinkOnly: number }) {
  if (erased === 0) return '';
  const linkOnly = erasedLinkOnly > 0 ? ` (${erasedLinkOnly} from before chain version 2: only their link holds)` : '';
  return `, ${counted(erased, 'row', 'rows')} with their payload erased${linkOnly}`;
}

/** The audit trail: filters, names for ids, a detail drawer, CSV/JSON export of the filtered rows, chain status. */
export default function AuditPage() {
  const [filters, setFilters] = useState<Filters>({});
  const [open, setOpen] = useState<Row>();
  const [actorProblem, setActorProblem] = useState<unknown>();
  // The trail is what just happened: opening the page always reads it again, never a copy from minutes ago.
  const rows = useInfiniteQuery({
    queryKey: ['audit', filters],
    staleTime: 0,
    queryFn: ({ pageParam }) => page(filters, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const chain = useQuery({ queryKey: ['audit-chain'], staleTime: 0, queryFn: () => must(api.GET('/audit-logs/verify')) });
  const shown = rows.data?.pages.flatMap((one) => one.data) ?? [];
  const nameOf = useNames(
    shown.flatMap((row) => [
      { kind: row.entity, id: row.entityId },
      { kind: 'user', id: row.actorId },
    ]),
  );

  const columns: ColumnDef<Row, unknown>[] = [
    { header: 'When', cell: ({ row }) => when(row.original.createdAt) },
    {
      header: 'Action',
      cell: ({ row }) => (
        <button type="button" className="link" onClick={() => setOpen(row.original)}>
          {row.original.action}
        </button>
      ),
    },
    {
      header: 'Entity',
      cell: ({ row }) =>
        row.original.entityId ? <NameOf named={nameOf(row.original.entity, row.original.entityId)} /> : row.original.entity,
    },
    { header: 'Actor', cell: ({ row }) => <NameOf named={nameOf('user', row.original.actorId)} /> },
  ];

  function exportRows(format: 'csv' | 'json') {
    if (format === 'json') return download('audit.json', 'application/json', JSON.stringify(shown, null, 2));
    const head = ['id', 'createdAt', 'action', 'entity', 'entityId', 'actorId', 'ipAddress', 'requestId'] as const;
    download('audit.csv', 'text/csv', csvOf(shown, head));
  }

  return (
    <Page title="Audit log">
      {chain.data && (
        <p className="muted">
          {chain.data.valid
            ? `Hash chain intact: ${counted(chain.data.checked, 'sealed row', 'sealed rows')} checked${erasedNote(chain.data)}, ${counted(chain.data.unsealed, 'newer row', 'newer rows')} waiting for the next seal.`
            : chain.data.firstBrokenId === undefined
              ? `Audit trail not intact: ${chain.data.reason}`
              : `Hash chain broken at row ${chain.data.firstBrokenId}`}
        </p>
      )}
      <form
        className="filters"
        aria-label="Filter the audit log"
        onSubmit={async (event) => {
          event.preventDefault();
          const form = new FormData(event.currentTarget);
          const value = (name: string) => String(form.get(name) ?? '').trim() || undefined;
          const date = (name: string, end: boolean) => {
            const picked = value(name);
            return picked ? `${picked}T${end ? '23:59:59.999' : '00:00:00.000'}Z` : undefined;
          };
          setActorProblem(undefined);
          try {
            setFilters({
              action: value('action'),
              entity: value('entity'),
              actorId: await actorIdOf(value('actor')),
              from: date('from', false),
              to: date('to', true),
            });
          } catch (problem) {
            setActorProblem(problem);
          }
        }}
      >
        <input autoComplete="off" name="action" aria-label="Action" placeholder="Action, e.g. user.suspended" />
        <input autoComplete="off" name="entity" aria-label="Entity" placeholder="Entity, e.g. user" />
        <input name="actor" aria-label="Actor (email or id)" placeholder="Actor: email or id" autoComplete="off" />
        <label>
          From
          <input autoComplete="off" name="from" type="date" />
        </label>
        <label>
          To
          <input autoComplete="off" name="to" type="date" />
        </label>
        <button type="submit">Filter</button>
        <button type="button" onClick={() => exportRows('csv')}>
          Export CSV
        </button>
        <button type="button" onClick={() => exportRows('json')}>
          Export JSON
        </button>
      </form>
      <ErrorNote error={actorProblem} />
      <ErrorNote error={rows.error} />
      {rows.data && <LiveStatus>{`${counted(shown.length, 'row', 'rows')} shown`}</LiveStatus>}
      {rows.data &&
        (shown.length ? <DataTable label="Audit log" rows={shown} columns={columns} /> : <Empty>No row matches these filters.</Empty>)}
      {rows.hasNextPage && (
        <button type="button" onClick={() => rows.fetchNextPage()}>
          Load more
        </button>
      )}
      <Dialog.Root open={open !== undefined} onOpenChange={(next) => !next && setOpen(undefined)}>
        <Dialog.Portal>
          <Dialog.Overlay className="overlay" />
          <Dialog.Content className="dialog drawer" aria-describedby={undefined}>
            <Dialog.Title>{open?.action}</Dialog.Title>
            {open && (
              <dl className="facts">
                <dt>When</dt>
                <dd>{when(open.createdAt)}</dd>
                <dt>Actor</dt>
                <dd>
                  <NameOf named={nameOf('user', open.actorId)} />
                </dd>
                <dt>Entity</dt>
                <dd>
                  {open.entity} {open.entityId}
                </dd>
                <dt>IP address</dt>
                <dd>{open.ipAddress ?? '—'}</dd>
                <dt>User agent</dt>
                <dd>{open.userAgent ?? '—'}</dd>
                <dt>Request id</dt>
                <dd>{open.requestId ?? '—'}</dd>
                <dt>Details (before/after, reason)</dt>
                <dd>
                  <pre>{JSON.stringify(open.payload, null, 2)}</pre>
                </dd>
              </dl>
            )}
            <Dialog.Close asChild>
              <button type="button">Close</button>
            </Dialog.Close>
          </Dialog.Content>
        </Dialog.Portal>
      </Dialog.Root>
    </Page>
  );
}
