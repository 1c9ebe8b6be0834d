import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import type { paths } from '@tessera/client';
import { useState } from 'react';
import { api, must } from '../../app/client.js';
import { FormDialog } from '../../ui/ConfirmDialog.js';
import { DataTable } from '../../ui/DataTable.js';
import { Empty, ErrorNote, LiveStatus, Loading, Page, when } from '../../ui/parts.js';
import { SecretNotice, type ShownSecret } from './SecretNotice.js';
import { RotateSecret, StatusBadge, useWebhookRefresh, WebhookActions } from './WebhookActions.js';
import { organizationOf, useOrganizationNames, webhookKeys, webhookPath } from './webhooks.js';

type DeliveryQuery = NonNullable<paths['/webhooks/{id}/deliveries']['get']['parameters']['query']>;
type DeliveryStatus = NonNullable<DeliveryQuery['status']>;
const PAGE = 20;

const loadDeliveries = (id: string, status: DeliveryStatus | undefined, cursor: string | undefined) =>
  must(
    api.GET('/webhooks/{id}/deliveries', {
      params: { path: { id }, query: { limit: PAGE, ...(status ? { status } : {}), ...(cursor ? { cursor } : {}) } },
    }),
  );
type Delivery = Awaited<ReturnType<typeof loadDeliveries>>['data'][number];

/** Polls while a delivery is being sent or due within the minute, so its outcome appears without a reload. */
function pollWhileDue(deliveries: Delivery[] | undefined) {
  const soon = Date.now() + 60_000;
  const due = deliveries?.some(
    (delivery) => delivery.status === 'PENDING' && (!delivery.nextAttemptAt || Date.parse(delivery.nextAttemptAt) < soon),
  );
  return due ? 1000 : false;
}

/** One webhook: what it receives, its actions, and the log of its deliveries. */
export default function WebhookPage({ id }: { id: string }) {
  const hook = useQuery({ queryKey: webhookKeys.one(id), queryFn: () => must(api.GET('/webhooks/{id}', webhookPath(id))) });
  const organizations = useOrganizationNames();
  const refresh = useWebhookRefresh();
  const [shown, setShown] = useState<ShownSecret>();
  const [notice, setNotice] = useState<string>();
  const [problem, setProblem] = useState<unknown>();

  if (hook.error) return <ErrorNote error={hook.error} />;
  if (!hook.data) return <Loading what="Loading the webhook…" />;
  const webhook = hook.data.webhook;

  async function sendTest() {
    setProblem(undefined);
    try {
      await must(api.POST('/webhooks/{id}/test', webhookPath(id)));
      setNotice('A webhook.test event is on its way: its delivery appears in the log below.');
      await refresh(id);
    } catch (failure) {
      setProblem(failure);
    }
  }

  return (
    <Page title={webhook.description || webhook.url}>
      <p>
        <a href="#/webhooks">← Webhooks</a>
      </p>
      {shown && <SecretNotice shown={shown} onDismiss={() => setShown(undefined)} />}
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <ErrorNote error={problem} />
      <div className="actions wrap">
        <button type="button" className="primary" onClick={sendTest}>
          Send test event
        </button>
        <RotateSecret hook={webhook} onRotated={setShown} />
        <WebhookActions hook={webhook} onDeleted={() => (window.location.hash = '/webhooks')} />
      </div>
      <dl className="facts">
        <dt>URL</dt>
        <dd>{webhook.url}</dd>
        <dt>Status</dt>
        <dd>
          <StatusBadge hook={webhook} /> {webhook.disabledAt ? `since ${when(webhook.disabledAt)}` : ''}
        </dd>
        <dt>Events</dt>
        <dd>{webhook.events.join(', ')}</dd>
        <dt>Organization</dt>
        <dd>{organizationOf(webhook, organizations.name)}</dd>
        <dt>Failing since</dt>
        <dd>{webhook.failingSince ? when(webhook.failingSince) : '—'}</dd>
        {webhook.previousSecretValidUntil && (
          <>
            <dt>Previous secret</dt>
            <dd>signs too until {when(webhook.previousSecretValidUntil)}</dd>
          </>
        )}
        <dt>Created</dt>
        <dd>{when(webhook.createdAt)}</dd>
      </dl>
      <Deliveries id={id} onReplayed={setNotice} />
    </Page>
  );
}

/** The delivery log, newest first, a page at a time, with retry of one delivery and replay of a time range. */
function Deliveries({ id, onReplayed }: { id: string; onReplayed: (notice: string) => void }) {
  const refresh = useWebhookRefresh();
  const [status, setStatus] = useState<DeliveryStatus>();
  // The cursors of the pages before this one: "Newer" goes back to the last of them.
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  const deliveries = useQuery({
    queryKey: [...webhookKeys.deliveries(id), status, cursor],
    queryFn: () => loadDeliveries(id, status, cursor),
    placeholderData: keepPreviousData,
    refetchInterval: (query) => pollWhileDue(query.state.data?.data),
  });
  const [problem, setProblem] = useState<unknown>();
  const rows = deliveries.data?.data ?? [];

  async function retry(delivery: Delivery) {
    setProblem(undefined);
    try {
      await must(api.POST('/webhooks/{id}/deliveries/{deliveryId}/retry', { params: { path: { id, deliveryId: delivery.id } } }));
      await refresh(id);
    } catch (failure) {
      setProblem(failure);
    }
  }

  const columns: ColumnDef<Delivery, unknown>[] = [
    { header: 'Event', cell: ({ row }) => row.original.eventType },
    { header: 'Status', cell: ({ row }) => <span className={`status ${row.original.status.toLowerCase()}`}>{row.original.status}</span> },
    { header: 'Attempts', cell: ({ row }) => String(row.original.attempts) },
    { header: 'Response', cell: ({ row }) => row.original.responseStatus ?? row.original.error ?? '—' },
    {
      header: 'Response body',
      cell: ({ row }) => (row.original.responseBody ? <pre className="body">{row.original.responseBody}</pre> : '—'),
    },
    { header: 'Duration', cell: ({ row }) => (row.original.durationMs === null ? '—' : `${row.original.durationMs} ms`) },
    { header: 'Next attempt', cell: ({ row }) => when(row.original.status === 'PENDING' ? row.original.nextAttemptAt : null) },
    { header: 'Created', cell: ({ row }) => when(row.original.createdAt) },
    {
      header: 'Actions',
      cell: ({ row }) => (
        <button type="button" aria-label={`Retry ${row.original.eventType} ${row.original.id}`} onClick={() => retry(row.original)}>
          Retry
        </button>
      ),
    },
  ];
  const count = (wanted: Delivery['status']) => rows.filter((delivery) => delivery.status === wanted).length;

  return (
    <section aria-labelledby="deliveries-title" className="stack">
      <div className="page-head">
        <h2 id="deliveries-title">Deliveries</h2>
        <div className="actions">
          <select
            autoComplete="off"
            aria-label="Delivery status"
            value={status ?? ''}
            onChange={(event) => {
              setStatus((event.target.value || undefined) as DeliveryStatus | undefined);
              setCursors([]);
            }}
          >
            <option value="">Any status</option>
            <option value="PENDING">Pending</option>
            <option value="DELIVERED">Delivered</option>
            <option value="FAILED">Failed</option>
          </select>
          <button type="button" onClick={() => refresh(id)}>
            Refresh
          </button>
          <Replay id={id} onReplayed={onReplayed} />
        </div>
      </div>
      <ErrorNote error={deliveries.error ?? problem} />
      {deliveries.isPending && <Loading what="Loading deliveries…" />}
      {deliveries.data && (
        <LiveStatus>{`${rows.length} shown: ${count('DELIVERED')} delivered, ${count('PENDING')} pending, ${count('FAILED')} failed`}</LiveStatus>
      )}
      {deliveries.data &&
        (rows.length ? (
          <div className="deliveries">
            <DataTable label="Deliveries" rows={rows} columns={columns} />
          </div>
        ) : (
          <Empty>No delivery{status ? ' with this status' : ''} yet: send a test event to see one.</Empty>
        ))}
      <div className="actions">
        {cursors.length > 0 && (
          <button type="button" onClick={() => setCursors((current) => current.slice(0, -1))}>
            Newer deliveries
          </button>
        )}
        {deliveries.data?.nextCursor && (
          <button type="button" onClick={() => setCursors((current) => [...current, deliveries.data.nextCursor as string])}>
            Older deliveries
          </button>
        )}
      </div>
    </section>
  );
}

/** `datetime-local` is the browser's local time; the API takes an instant. */
const instantOf = (local: FormDataEntryValue | null) => new Date(String(local ?? '')).toISOString();
const localNow = (offsetMs = 0) => {
  const at = new Date(Date.now() + offsetMs);
  return new Date(at.getTime() - at.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

/** Sends again the deliveries made in a time range (all, or only the failed ones). */
function Replay({ id, onReplayed }: { id: string; onReplayed: (notice: string) => void }) {
  const refresh = useWebhookRefresh();
  return (
    <FormDialog
      trigger={<button type="button">Replay a time range</button>}
      title="Replay deliveries"
      submitLabel="Replay"
      onSubmit={async (form) => {
        const result = await must(
          api.POST('/webhooks/{id}/replay', {
            ...webhookPath(id),
            body: { from: instantOf(form.get('from')), to: instantOf(form.get('to')), onlyFailed: form.get('onlyFailed') === 'on' },
          }),
        );
        onReplayed(`${result.replayed} ${result.replayed === 1 ? 'delivery' : 'deliveries'} queued again.`);
        await refresh(id);
      }}
    >
      <p className="muted">Each delivery made to this endpoint in the range is sent again, with the same webhook-id.</p>
      <label>
        From
        <input name="from" type="datetime-local" required autoComplete="off" defaultValue={localNow(-24 * 3600_000)} />
      </label>
      <label>
        To
        <input name="to" type="datetime-local" required autoComplete="off" defaultValue={localNow(60_000)} />
      </label>
      <label className="inline">
        <input name="onlyFailed" type="checkbox" /> Only the failed ones
      </label>
    </FormDialog>
  );
}
