import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { useState } from 'react';
import { api, must } from '../../app/client.js';
import { ConfirmDialog, FormDialog, TriggerButton } from '../../ui/ConfirmDialog.js';
import { DataTable } from '../../ui/DataTable.js';
import { Empty, ErrorNote, LiveStatus, Page, when } from '../../ui/parts.js';
import { useOrganizationNames } from '../webhooks/webhooks.js';

const statuses = ['PENDING', 'ACCEPTED', 'EXPIRED', 'CANCELLED'] as const;
type Status = (typeof statuses)[number];
const list = (status?: Status, organizationId?: string) =>
  must(
    api.GET('/invitations', {
      params: { query: { limit: 100, ...(status ? { status } : {}), ...(organizationId ? { organizationId } : {}) } },
    }),
  );
type Invitation = Awaited<ReturnType<typeof list>>['data'][number];

/** Invitations of every organization the reader sees: send, resend, cancel; status and reminders sent. */
export default function InvitationsPage({ param }: { param?: string }) {
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<Status | undefined>('PENDING');
  const [notice, setNotice] = useState<string>();
  const [resendProblem, setResendProblem] = useState<unknown>();
  const invitations = useQuery({ queryKey: ['invitations', status, param], queryFn: () => list(status, param) });
  const organizations = useOrganizationNames();
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['invitations'] });

  /** Mails the invitation again with a new link; a refusal (the address's hourly cap) is shown, not swallowed. */
  async function resend(invitation: Invitation) {
    setNotice(undefined);
    setResendProblem(undefined);
    try {
      await must(api.POST('/invitations/{id}/resend', { params: { path: { id: invitation.id } } }));
      setNotice(`Invitation to ${invitation.email} sent again.`);
      await refresh();
    } catch (failure) {
      setResendProblem(failure);
    }
  }

  const columns: ColumnDef<Invitation, unknown>[] = [
    { header: 'Email', accessorKey: 'email' },
    { header: 'Status', accessorKey: 'status' },
    { header: 'Organization', cell: ({ row }) => organizations.name.get(row.original.organizationId ?? '') ?? '—' },
    { header: 'Expires', cell: ({ row }) => when(row.original.expiresAt) },
    {
      header: 'Reminders sent',
      cell: ({ row }) =>
        row.original.reminderCount ? `${row.original.reminderCount}, last ${when(row.original.lastReminderAt)}` : 'none yet',
    },
    {
      header: 'Actions',
      cell: ({ row }) =>
        row.original.status === 'PENDING' && (
          <span className="actions">
            <button type="button" onClick={() => resend(row.original)}>
              Resend
            </button>
            <ConfirmDialog
              trigger={<TriggerButton tone="danger">Cancel invitation</TriggerButton>}
              title={`Cancel the invitation to ${row.original.email}?`}
              description="Its link stops working."
              confirmLabel="Cancel invitation"
              danger
              onConfirm={async () => {
                await must(api.DELETE('/invitations/{id}', { params: { path: { id: row.original.id } } }));
                await refresh();
              }}
            />
          </span>
        ),
    },
  ];
  return (
    <Page
      title="Invitations"
      actions={
        <FormDialog
          trigger={<TriggerButton tone="primary">Send invitation</TriggerButton>}
          title="Send an invitation"
          submitLabel="Send"
          onSubmit={async (form) => {
            await must(
              api.POST('/organizations/{id}/invitations', {
                params: { path: { id: String(form.get('organizationId')) }, query: { resend: form.has('resend') } },
                body: { email: String(form.get('email')) },
              }),
            ).catch(inConsoleWords);
            await refresh();
          }}
        >
          <label>
            Email
            <input autoComplete="off" name="email" type="email" required />
          </label>
          <OrganizationChoice selected={param} />
          <label className="inline">
            <input type="checkbox" name="resend" /> {SEND_AGAIN}
          </label>
        </FormDialog>
      }
    >
      <div className="filters">
        <select
          autoComplete="off"
          aria-label="Invitation status"
          value={status ?? ''}
          onChange={(event) => setStatus((event.target.value || undefined) as Status | undefined)}
        >
          <option value="">Any status</option>
          {statuses.map((value) => (
            <option key={value}>{value}</option>
          ))}
        </select>
      </div>
      {notice && <LiveStatus>{notice}</LiveStatus>}
      <ErrorNote error={resendProblem ?? invitations.error} />
      {invitations.data &&
        (invitations.data.data.length ? (
          <DataTable label="Invitations" rows={invitations.data.data} columns={columns} />
        ) : (
          <Empty>No invitation with this status.</Empty>
        ))}
    </Page>
  );
}

/**
 * The organization to invite to, read again each time the dialog opens: one made a moment ago (here, in another
 * tab, through the API) is offered. The select is made anew when the list is read, so the page's organization
 * is chosen even when it was not among the organizations listed before.
 */
function OrganizationChoice({ selected }: { selected?: string }) {
  const organizations = useOrganizationNames({ fresh: true });
  return (
    <label>
      Organization
      <select autoComplete="off" key={organizations.readAt} name="organizationId" required defaultValue={selected}>
        {organizations.list.map((org) => (
          <option key={org.id} value={org.id}>
            {org.name}
          </option>
        ))}
      </select>
    </label>
  );
}

const SEND_AGAIN = 'Send it again if one is pending';

/** The API's 409 names its query parameter (`?resend=true`); the console names its own checkbox instead. */
function inConsoleWords(problem: { code?: string }): never {
  if (problem.code === 'INVITATION_ALREADY_PENDING')
    throw `An invitation to this address is already pending: tick “${SEND_AGAIN}” to mail it again.`;
  throw problem;
}
