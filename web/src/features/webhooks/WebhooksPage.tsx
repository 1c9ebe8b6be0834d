import { useQuery } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { createWebhookBody } from '@tessera/client';
import { useState } from 'react';
import { api, must } from '../../app/client.js';
import { CreateDialog } from '../../ui/ConfirmDialog.js';
import { DataTable } from '../../ui/DataTable.js';
import { useFieldProblems } from '../../ui/FieldProblems.js';
import { counted, Empty, ErrorNote, LiveStatus, Loading, Page, when } from '../../ui/parts.js';
import { SecretNotice, type ShownSecret } from './SecretNotice.js';
import { StatusBadge, useWebhookRefresh, WebhookActions } from './WebhookActions.js';
import { newWebhookBody, WebhookFields } from './WebhookFields.js';
import WebhookPage from './WebhookPage.js';
import { listWebhooks, organizationOf, useCrossTenant, useOrganizationNames, type Webhook, webhookKeys } from './webhooks.js';

export default function WebhooksPage({ param }: { param?: string }) {
  if (param) return <WebhookPage key={param} id={param} />;
  return <WebhookList />;
}

/** The endpoints subscribed to Tessera's events: list, create (the secret shown once), edit, enable, delete. */
function WebhookList() {
  const webhooks = useQuery({ queryKey: webhookKeys.list, queryFn: listWebhooks });
  const organizations = useOrganizationNames();
  const [shown, setShown] = useState<ShownSecret>();
  const rows = webhooks.data?.data ?? [];
  const failing = rows.filter((hook) => hook.failingSince).length;

  const columns: ColumnDef<Webhook, unknown>[] = [
    { header: 'URL', cell: ({ row }) => <a href={`#/webhooks/${row.original.id}`}>{row.original.url}</a> },
    { header: 'Events', cell: ({ row }) => row.original.events.join(', ') },
    { header: 'Status', cell: ({ row }) => <StatusBadge hook={row.original} /> },
    { header: 'Description', cell: ({ row }) => row.original.description || '—' },
    { header: 'Organization', cell: ({ row }) => organizationOf(row.original, organizations.name) },
    { header: 'Failing since', cell: ({ row }) => (row.original.failingSince ? when(row.original.failingSince) : '—') },
    {
      header: 'Actions',
      cell: ({ row }) => (
        <div className="actions">
          <WebhookActions hook={row.original} />
        </div>
      ),
    },
  ];

  return (
    <Page title="Webhooks" actions={<NewWebhookDialog onCreated={setShown} />}>
      <p className="muted">
        Tessera posts its public events to these endpoints, signed per Standard Webhooks, and retries a failed delivery for about a day.
      </p>
      {shown && <SecretNotice shown={shown} onDismiss={() => setShown(undefined)} />}
      <ErrorNote error={webhooks.error} />
      {webhooks.isPending && <Loading what="Loading webhooks…" />}
      {webhooks.data && <LiveStatus>{`${counted(rows.length, 'webhook', 'webhooks')}${failing ? `, ${failing} failing` : ''}`}</LiveStatus>}
      {webhooks.data &&
        (rows.length ? (
          <DataTable label="Webhooks" rows={rows} columns={columns} />
        ) : (
          <Empty>No webhook yet: add one to have your apps hear when people sign up, change or leave.</Empty>
        ))}
    </Page>
  );
}

/** A new webhook: its URL, events and description, and the organization a cross-tenant administrator may name. */
function NewWebhookDialog({ onCreated }: { onCreated: (shown: ShownSecret) => void }) {
  const organizations = useOrganizationNames();
  const crossTenant = useCrossTenant();
  const refresh = useWebhookRefresh();
  const fields = useFieldProblems(createWebhookBody, newWebhookBody);
  async function create(form: FormData) {
    const created = await must(api.POST('/webhooks', { body: fields.checked(form) }));
    onCreated({ title: `Webhook to ${created.webhook.url} created`, secret: created.secret });
    await refresh(created.webhook.id);
  }
  return (
    <CreateDialog noun="webhook" onSubmit={create}>
      <div className="stack" {...fields.handlers}>
        <WebhookFields fields={fields} organizations={crossTenant ? organizations.list : undefined} />
      </div>
    </CreateDialog>
  );
}
