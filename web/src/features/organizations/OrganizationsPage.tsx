import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { postOrganizationsBody } from '@tessera/client';
import { api, must } from '../../app/client.js';
import { Allowed, useMay } from '../../app/permissions.js';
import { ConfirmDialog, CreateDialog, TriggerButton } from '../../ui/ConfirmDialog.js';
import { DataTable } from '../../ui/DataTable.js';
import { CheckedInput, useFieldProblems } from '../../ui/FieldProblems.js';
import { Empty, ErrorNote, fullName, Loading, Page, when } from '../../ui/parts.js';
import { EditOrganizationDialog } from './EditOrganization.js';
import { slugConflictInConsoleWords } from './slugs.js';

const list = () => must(api.GET('/organizations', { params: { query: { limit: 100 } } }));
export type Org = Awaited<ReturnType<typeof list>>['data'][number];

/** The create form's body: the slug only when one is typed (the API makes one from the name otherwise). */
function newOrganizationBody(form: FormData) {
  const slug = String(form.get('slug') ?? '').trim();
  return { name: String(form.get('name') ?? '').trim(), ...(slug ? { slug } : {}) };
}

export default function OrganizationsPage({ param }: { param?: string }) {
  const queryClient = useQueryClient();
  const orgs = useQuery({ queryKey: ['organizations'], queryFn: list });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['organizations'] });
  const createFields = useFieldProblems(postOrganizationsBody, newOrganizationBody);
  const may = useMay();
  if (param) return <Members id={param} name={orgs.data?.data.find((org) => org.id === param)?.name} />;
  const columns: ColumnDef<Org, unknown>[] = [
    { header: 'Name', cell: ({ row }) => <a href={`#/organizations/${row.original.id}`}>{row.original.name}</a> },
    { header: 'Slug', accessorKey: 'slug' },
    { header: 'Status', accessorKey: 'status' },
    { header: 'Created', cell: ({ row }) => when(row.original.createdAt) },
  ];
  // Edit and delete only for an administrator who may manage organizations; a reader sees no empty column.
  const actions: ColumnDef<Org, unknown>[] = [
    {
      header: 'Actions',
      cell: ({ row }) => (
        <div className="actions">
          <EditOrganizationDialog org={row.original} />
          <ConfirmDialog
            trigger={<TriggerButton tone="danger">Delete {row.original.name}</TriggerButton>}
            title={`Delete ${row.original.name}?`}
            description="Its members stay, outside any organization."
            typed={row.original.slug}
            confirmLabel="Delete organization"
            danger
            onConfirm={async () => {
              await must(api.DELETE('/organizations/{id}', { params: { path: { id: row.original.id } } }));
              await refresh();
            }}
          />
        </div>
      ),
    },
  ];
  return (
    <Page
      title="Organizations"
      actions={
        <Allowed permission="organizations:manage">
          <CreateDialog
            noun="organization"
            onSubmit={async (form) => {
              const body = createFields.checked(form);
              await must(api.POST('/organizations', { body })).catch(slugConflictInConsoleWords(body.slug ?? ''));
              await refresh();
            }}
          >
            <div className="stack" {...createFields.handlers}>
              <CheckedInput fields={createFields} name="name" label="Name" autoComplete="off" required />
              <CheckedInput
                fields={createFields}
                name="slug"
                label="Slug (optional)"
                autoComplete="off"
                hint="Lower-case letters, digits and dashes; used in links. Left empty: made from the name"
              />
            </div>
          </CreateDialog>
        </Allowed>
      }
    >
      <ErrorNote error={orgs.error} />
      {orgs.isPending && <Loading />}
      {orgs.data &&
        (orgs.data.data.length ? (
          <DataTable
            label="Organizations"
            rows={orgs.data.data}
            columns={may('organizations:manage') ? [...columns, ...actions] : columns}
          />
        ) : (
          <Empty>No organization yet.</Empty>
        ))}
    </Page>
  );
}

/** Members keyed by their user id (the table's row key). */
const membersOf = async (id: string) => {
  const page = await must(api.GET('/organizations/{id}/members', { params: { path: { id }, query: { limit: 100 } } }));
  return page.data.map((member) => ({ ...member, id: member.userId }));
};
type Member = Awaited<ReturnType<typeof membersOf>>[number];

const memberColumns: ColumnDef<Member, unknown>[] = [
  { header: 'Name', cell: ({ row }) => <a href={`#/users/${row.original.userId}`}>{fullName(row.original)}</a> },
  { header: 'Email', accessorKey: 'email' },
  { header: 'Roles here', cell: ({ row }) => row.original.roles.join(', ') || '—' },
  { header: 'Membership', accessorKey: 'status' },
  { header: 'Joined', cell: ({ row }) => when(row.original.joinedAt) },
];

/** An organization's members with the roles they hold there and their membership's status. */
function Members({ id, name }: { id: string; name?: string }) {
  const members = useQuery({ queryKey: ['organization-members', id], queryFn: () => membersOf(id) });
  const rows = members.data;
  return (
    <Page title={`Members of ${name ?? 'the organization'}`}>
      <p>
        <a href="#/organizations">← Organizations</a> · <a href={`#/invitations/${id}`}>Invitations</a>
      </p>
      <ErrorNote error={members.error} />
      {members.isPending && <Loading />}
      {rows && (rows.length ? <DataTable label="Members" rows={rows} columns={memberColumns} /> : <Empty>No member yet.</Empty>)}
    </Page>
  );
}
