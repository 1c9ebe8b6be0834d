import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { type paths, postUsersBody } from '@tessera/client';
import { useDeferredValue, useState } from 'react';
import { api, must } from '../../app/client.js';
import { Allowed } from '../../app/permissions.js';
import { ConfirmDialog, FormDialog, TriggerButton } from '../../ui/ConfirmDialog.js';
import { DataTable } from '../../ui/DataTable.js';
import { useFieldProblems } from '../../ui/FieldProblems.js';
import { counted, csvOf, download, Empty, ErrorNote, fullName, LiveStatus, Page, when } from '../../ui/parts.js';
import { UserFields } from './UserFields.js';
import UserPage from './UserPage.js';

type ListQuery = NonNullable<paths['/users']['get']['parameters']['query']>;
type Row = Awaited<ReturnType<typeof listUsers>>['data'][number];

const listUsers = (query: ListQuery) => must(api.GET('/users', { params: { query } }));
const statuses = ['ACTIVE', 'PENDING', 'SUSPENDED', 'INACTIVE'] as const;
/** The export's columns: who first, then where they stand. */
const exportColumns = [
  'email',
  'firstName',
  'lastName',
  'username',
  'status',
  'emailVerified',
  'organization',
  'lastLoginAt',
  'createdAt',
  'organizationId',
  'id',
] as const;

export default function UsersPage({ param }: { param?: string }) {
  if (param) return <UserPage key={param} id={param} />;
  return <UserList />;
}

function UserList() {
  const queryClient = useQueryClient();
  const [filters, setFilters] = useState<ListQuery>({ sort: 'createdAt', order: 'desc', limit: 50, page: 1 });
  const [search, setSearch] = useState('');
  const deferredSearch = useDeferredValue(search);
  const [selected, setSelected] = useState<Row[]>([]);
  const selectedCount = counted(selected.length, 'user', 'users');
  const [bulkError, setBulkError] = useState<unknown>();
  const query = { ...filters, ...(deferredSearch ? { search: deferredSearch } : {}) };
  const users = useQuery({ queryKey: ['users', query], queryFn: () => listUsers(query), placeholderData: keepPreviousData });
  const roles = useQuery({ queryKey: ['roles'], queryFn: () => must(api.GET('/roles')) });
  const orgs = useQuery({
    queryKey: ['organizations'],
    queryFn: () => must(api.GET('/organizations', { params: { query: { limit: 100 } } })),
  });
  const types = useQuery({ queryKey: ['user-types'], queryFn: () => must(api.GET('/user-types')) });
  const orgName = new Map((orgs.data?.data ?? []).map((org) => [org.id, org.name]));
  const set = (patch: Partial<ListQuery>) => setFilters((current) => ({ ...current, ...patch, page: 1 }));

  const columns: ColumnDef<Row, unknown>[] = [
    { header: 'Email', cell: ({ row }) => <a href={`#/users/${row.original.id}`}>{row.original.email}</a> },
    { header: 'Name', cell: ({ row }) => fullName(row.original) },
    { header: 'Status', cell: ({ row }) => <span className={`status ${row.original.status.toLowerCase()}`}>{row.original.status}</span> },
    { header: 'Roles', cell: ({ row }) => row.original.roles.map((role) => role.name).join(', ') || '—' },
    { header: 'Organization', cell: ({ row }) => (row.original.organizationId ? (orgName.get(row.original.organizationId) ?? '…') : '—') },
    { header: 'Last sign-in', cell: ({ row }) => when(row.original.lastLoginAt) },
    { header: 'Created', cell: ({ row }) => when(row.original.createdAt) },
  ];

  /** One action on every selected user, in turn; the list is read again whether all, some or none succeeded. */
  async function bulk(action: (path: { params: { path: { id: string } } }) => Promise<unknown>) {
    try {
      for (const user of selected) await action({ params: { path: { id: user.id } } });
    } finally {
      await queryClient.invalidateQueries({ queryKey: ['users'] });
    }
  }
  async function activateSelected() {
    setBulkError(undefined);
    try {
      await bulk((path) => must(api.POST('/users/{id}/activate', { ...path, body: {} })));
    } catch (failure) {
      setBulkError(failure);
    }
  }

  /** The selected rows as a file, with their organization's name beside its id. */
  function exportSelected(format: 'csv' | 'json') {
    const rows = selected.map((user) => ({
      ...user,
      organization: user.organizationId ? (orgName.get(user.organizationId) ?? '') : '',
    }));
    if (format === 'json') return download('users.json', 'application/json', JSON.stringify(rows, null, 2));
    download('users.csv', 'text/csv', csvOf(rows, exportColumns));
  }

  return (
    <Page
      title="Users"
      actions={
        <Allowed permission="users:write">
          <NewUserDialog roles={(roles.data?.data ?? []).map((role) => role.name)} />
        </Allowed>
      }
    >
      <form className="filters" onSubmit={(event) => event.preventDefault()} aria-label="Filter users">
        <input
          autoComplete="off"
          aria-label="Search users"
          placeholder="Search name or email"
          value={search}
          onChange={(event) => setSearch(event.target.value)}
        />
        <select
          autoComplete="off"
          aria-label="Status"
          onChange={(event) => set({ status: (event.target.value || undefined) as ListQuery['status'] })}
        >
          <option value="">Any status</option>
          {statuses.map((status) => (
            <option key={status}>{status}</option>
          ))}
        </select>
        <select autoComplete="off" aria-label="Role" onChange={(event) => set({ role: event.target.value || undefined })}>
          <option value="">Any role</option>
          {roles.data?.data.map((role) => (
            <option key={role.id}>{role.name}</option>
          ))}
        </select>
        <select autoComplete="off" aria-label="Organization" onChange={(event) => set({ organizationId: event.target.value || undefined })}>
          <option value="">Any organization</option>
          {orgs.data?.data.map((org) => (
            <option key={org.id} value={org.id}>
              {org.name}
            </option>
          ))}
        </select>
        <select autoComplete="off" aria-label="User type" onChange={(event) => set({ userTypeId: event.target.value || undefined })}>
          <option value="">Any user type</option>
          {types.data?.data.map((type) => (
            <option key={type.id} value={type.id}>
              {type.name}
            </option>
          ))}
        </select>
        <select
          autoComplete="off"
          aria-label="Verified"
          onChange={(event) => set({ emailVerified: event.target.value ? event.target.value === 'yes' : undefined })}
        >
          <option value="">Verified or not</option>
          <option value="yes">Email verified</option>
          <option value="no">Not verified</option>
        </select>
        <label>
          Created from
          <input
            autoComplete="off"
            type="date"
            onChange={(event) => set({ createdFrom: event.target.value ? `${event.target.value}T00:00:00.000Z` : undefined })}
          />
        </label>
        <label>
          to
          <input
            autoComplete="off"
            type="date"
            onChange={(event) => set({ createdTo: event.target.value ? `${event.target.value}T23:59:59.999Z` : undefined })}
          />
        </label>
        <select
          autoComplete="off"
          aria-label="Sort"
          value={`${filters.sort}:${filters.order}`}
          onChange={(event) => {
            const [sort, order] = event.target.value.split(':') as [ListQuery['sort'], ListQuery['order']];
            set({ sort, order });
          }}
        >
          <option value="createdAt:desc">Newest first</option>
          <option value="createdAt:asc">Oldest first</option>
          <option value="lastLoginAt:desc">Last sign-in</option>
          <option value="email:asc">Email A–Z</option>
          <option value="name:asc">Name A–Z</option>
        </select>
      </form>
      <ErrorNote error={users.error ?? bulkError} />
      {users.data && <LiveStatus>{counted(users.data.total ?? users.data.data.length, 'user', 'users')}</LiveStatus>}
      {selected.length > 0 && (
        <fieldset className="actions bulk" aria-label="With the selected users">
          <span>{selected.length} selected</span>
          <Allowed permission="users:suspend">
            <ConfirmDialog
              trigger={<TriggerButton tone="danger">Suspend selected</TriggerButton>}
              title={`Suspend ${selectedCount}?`}
              description="Their sessions end now and they cannot sign in until reactivated."
              reason="Reason for the suspension"
              confirmLabel="Suspend"
              danger
              onConfirm={(reason) => bulk((path) => must(api.POST('/users/{id}/suspend', { ...path, body: { reason } })))}
            />
            <button type="button" onClick={activateSelected}>
              Activate selected
            </button>
          </Allowed>
          <Allowed permission="users:delete">
            <ConfirmDialog
              trigger={<TriggerButton tone="danger">Delete selected</TriggerButton>}
              title={`Delete ${selectedCount}?`}
              description="The accounts are deactivated and can be restored later, one by one."
              typed="delete"
              confirmLabel="Delete"
              danger
              onConfirm={() => bulk((path) => must(api.DELETE('/users/{id}', path)))}
            />
          </Allowed>
          <button type="button" onClick={() => exportSelected('csv')}>
            Export selected (CSV)
          </button>
          <button type="button" onClick={() => exportSelected('json')}>
            Export selected (JSON)
          </button>
        </fieldset>
      )}
      {users.data &&
        (users.data.data.length ? (
          <DataTable label="Users" rows={users.data.data} columns={columns} selectable onSelection={setSelected} />
        ) : (
          <Empty>No user matches these filters.</Empty>
        ))}
      {users.data?.nextCursor && (
        <button type="button" onClick={() => setFilters((current) => ({ ...current, page: (current.page ?? 1) + 1 }))}>
          Next page
        </button>
      )}
    </Page>
  );
}

type PasswordMode = 'password' | 'temporary' | 'invite';

/** The body a new user's form sends: optional fields left empty are not sent. */
function newUserBody(form: FormData, mode: PasswordMode) {
  const text = (name: string) => String(form.get(name) ?? '').trim();
  const role = text('role');
  return {
    email: text('email'),
    ...(text('firstName') ? { firstName: text('firstName') } : {}),
    ...(text('lastName') ? { lastName: text('lastName') } : {}),
    ...(text('username') ? { username: text('username') } : {}),
    ...(text('phone') ? { phone: text('phone') } : {}),
    ...(role ? { roles: [role] } : {}),
    ...(mode !== 'invite' ? { password: String(form.get('password') ?? ''), temporary: mode === 'temporary' } : {}),
  };
}

/** A new user with a password, a temporary password, or an invitation to choose one (no password). */
function NewUserDialog({ roles }: { roles: string[] }) {
  const queryClient = useQueryClient();
  const [mode, setMode] = useState<PasswordMode>('invite');
  const fields = useFieldProblems(postUsersBody, (form) => newUserBody(form, mode));
  return (
    <FormDialog
      trigger={<TriggerButton tone="primary">New user</TriggerButton>}
      title="New user"
      submitLabel="Create user"
      onSubmit={async (form) => {
        const created = await must(api.POST('/users', { body: fields.checked(form) }));
        await queryClient.invalidateQueries({ queryKey: ['users'] });
        window.location.hash = `/users/${created.user.id}`;
      }}
    >
      <div className="stack" {...fields.handlers}>
        <UserFields fields={fields} />
        <label>
          Role
          <select autoComplete="off" name="role">
            <option value="">Default role</option>
            {roles.map((role) => (
              <option key={role}>{role}</option>
            ))}
          </select>
        </label>
        <fieldset>
          <legend>Password</legend>
          {(
            [
              ['invite', 'Send an invitation to choose one'],
              ['temporary', 'Temporary password (changed at first sign-in)'],
              ['password', 'Set a password'],
            ] as const
          ).map(([value, label]) => (
            <label key={value} className="inline">
              <input type="radio" name="mode" value={value} checked={mode === value} onChange={() => setMode(value)} /> {label}
            </label>
          ))}
          {mode !== 'invite' && (
            <label>
              Password
              <input name="password" type="password" minLength={8} required autoComplete="new-password" {...fields.describe('password')} />
              {fields.problem('password')}
            </label>
          )}
        </fieldset>
      </div>
    </FormDialog>
  );
}
