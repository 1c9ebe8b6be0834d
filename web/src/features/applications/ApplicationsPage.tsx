import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { type ReactNode, useState } from 'react';
import { api, must } from '../../app/client.js';
import { ConfirmDialog, CreateDialog, FormDialog, TriggerButton } from '../../ui/ConfirmDialog.js';
import { DataTable } from '../../ui/DataTable.js';
import { Empty, ErrorNote, Page, when } from '../../ui/parts.js';
import { useOrganizationNames } from '../webhooks/webhooks.js';

const listApplications = () => must(api.GET('/applications', { params: { query: { limit: 100 } } }));
type ApplicationRow = Awaited<ReturnType<typeof listApplications>>['data'][number];

const kinds = [
  ['web', 'Web app (server-side, with a secret)'],
  ['spa', 'Single-page app (PKCE, no secret)'],
  ['native', 'Mobile or desktop app (PKCE, no secret)'],
  ['service', 'Service (client credentials)'],
] as const;
/** What an application signing people in may ask for (a service asks for Tessera permissions instead). */
const personScopes = ['openid', 'offline_access', 'email', 'profile', 'phone', 'roles', 'organization'];

/** A textarea's lines, each trimmed, blank ones dropped: a line is one URI, so a problem names the whole of it. */
const lines = (form: FormData, name: string) =>
  String(form.get(name) ?? '')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);

/** A secret just made: shown this once, with the client ID it goes with. */
interface Shown {
  title: string;
  clientId: string;
  secret: string | null;
  note?: string;
}

/** The fields of an application, for creating (with its kind) and editing (its kind fixed). */
function ApplicationFields(props: {
  kind: ApplicationRow['kind'];
  permissions: string[];
  current?: ApplicationRow;
  kindPicker?: ReactNode;
}) {
  const { kind, current } = props;
  const scopes = kind === 'service' ? props.permissions : personScopes;
  const chosen = new Set(current?.scopes ?? (kind === 'service' ? [] : ['openid', 'email', 'profile']));
  return (
    <>
      <label>
        Name
        <input autoComplete="off" name="name" required defaultValue={current?.name} />
      </label>
      {props.kindPicker}
      {kind !== 'service' && (
        <>
          <label>
            Redirect URIs (one a line, matched exactly)
            <textarea autoComplete="off" name="redirectUris" rows={2} required defaultValue={current?.redirectUris.join('\n')} />
          </label>
          <label>
            Post-logout redirect URIs (one a line)
            <textarea autoComplete="off" name="postLogoutRedirectUris" rows={2} defaultValue={current?.postLogoutRedirectUris.join('\n')} />
          </label>
        </>
      )}
      <fieldset>
        <legend>{kind === 'service' ? 'Permissions it may ask for' : 'Scopes it may ask for'}</legend>
        {scopes.map((scope) => (
          <label key={scope} className="inline">
            <input type="checkbox" name="scopes" value={scope} defaultChecked={chosen.has(scope)} /> {scope}
          </label>
        ))}
      </fieldset>
      {kind !== 'service' && (
        <label className="inline">
          <input type="checkbox" name="firstParty" defaultChecked={current?.firstParty ?? false} /> First party (your own app: no consent
          page)
        </label>
      )}
    </>
  );
}

/** The body of a create or an edit from the dialog's form. */
function bodyOf(form: FormData, kind: ApplicationRow['kind']) {
  const people = kind !== 'service';
  return {
    name: String(form.get('name') ?? '').trim(),
    scopes: form.getAll('scopes').map(String),
    ...(people
      ? {
          redirectUris: lines(form, 'redirectUris'),
          postLogoutRedirectUris: lines(form, 'postLogoutRedirectUris'),
          firstParty: form.get('firstParty') === 'on',
        }
      : {}),
  };
}

/** Applications that sign people in with Tessera (OpenID Connect) and services that get tokens of their own. */
export default function ApplicationsPage() {
  const queryClient = useQueryClient();
  const applications = useQuery({
    queryKey: ['applications'],
    queryFn: listApplications,
  });
  const permissions = useQuery({ queryKey: ['permissions'], queryFn: () => must(api.GET('/permissions')) });
  const permissionNames = (permissions.data?.data ?? []).map((permission) => permission.name);
  const organizations = useOrganizationNames();
  const [kind, setKind] = useState<ApplicationRow['kind']>('web');
  const [shown, setShown] = useState<Shown>();
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['applications'] });
  const rows = applications.data?.data ?? [];
  const path = (app: ApplicationRow) => ({ params: { path: { id: app.id } } });

  const columns: ColumnDef<ApplicationRow, unknown>[] = [
    { header: 'Name', cell: ({ row }) => <strong>{row.original.name}</strong> },
    { header: 'Kind', cell: ({ row }) => `${row.original.kind}${row.original.firstParty ? ' · first party' : ''}` },
    {
      header: 'Organization',
      cell: ({ row: { original: app } }) =>
        app.organizationId ? (organizations.name.get(app.organizationId) ?? app.organizationId) : 'Platform',
    },
    { header: 'Client ID', cell: ({ row }) => <code className="secret">{row.original.clientId}</code> },
    { header: 'Redirect URIs', cell: ({ row }) => <span className="secret">{row.original.redirectUris.join(', ') || '—'}</span> },
    { header: 'Scopes', cell: ({ row }) => row.original.scopes.join(' ') || '—' },
    {
      header: 'Actions',
      cell: ({ row: { original: app } }) => (
        <div className="actions">
          <FormDialog
            trigger={<button type="button">Edit {app.name}</button>}
            title={`Edit ${app.name}`}
            submitLabel="Save"
            onSubmit={async (form) => {
              await must(api.PATCH('/applications/{id}', { ...path(app), body: bodyOf(form, app.kind) }));
              await refresh();
            }}
          >
            <ApplicationFields kind={app.kind} permissions={permissionNames} current={app} />
          </FormDialog>
          {app.confidential && (
            <ConfirmDialog
              trigger={<button type="button">Rotate secret of {app.name}</button>}
              title={`New secret for ${app.name}?`}
              description="A new secret is made and shown once; the current one keeps working for a grace period, then stops."
              confirmLabel="Rotate secret"
              onConfirm={async () => {
                const rotated = await must(api.POST('/applications/{id}/secret', path(app)));
                setShown({
                  title: `New secret of ${app.name}`,
                  clientId: app.clientId,
                  secret: rotated.clientSecret,
                  note: `The previous secret works until ${when(rotated.previousSecretValidUntil)}.`,
                });
                await refresh();
              }}
            />
          )}
          <ConfirmDialog
            trigger={<TriggerButton tone="danger">Delete {app.name}</TriggerButton>}
            title={`Delete ${app.name}?`}
            description="Its tokens stop working and people can no longer sign in to it with Tessera."
            typed={app.name}
            confirmLabel="Delete application"
            danger
            onConfirm={async () => {
              await must(api.DELETE('/applications/{id}', path(app)));
              await refresh();
            }}
          />
        </div>
      ),
    },
  ];

  return (
    <Page
      title="Applications"
      actions={
        <CreateDialog
          noun="application"
          onSubmit={async (form) => {
            const created = await must(api.POST('/applications', { body: { ...bodyOf(form, kind), kind } }));
            setShown({
              title: `${created.application.name} created`,
              clientId: created.application.clientId,
              secret: created.clientSecret,
            });
            await refresh();
          }}
        >
          <ApplicationFields
            key={kind}
            kind={kind}
            permissions={permissionNames}
            kindPicker={
              <label>
                Kind
                <select autoComplete="off" value={kind} onChange={(event) => setKind(event.target.value as ApplicationRow['kind'])}>
                  {kinds.map(([value, label]) => (
                    <option key={value} value={value}>
                      {label}
                    </option>
                  ))}
                </select>
              </label>
            }
          />
        </CreateDialog>
      }
    >
      <p className="muted">
        Discovery URL for OpenID Connect libraries:{' '}
        <code className="secret">{`${window.location.origin}/.well-known/openid-configuration`}</code>
      </p>
      {shown && (
        <div className="notice" role="status">
          <strong>{shown.title}.</strong> Client ID: <code className="secret">{shown.clientId}</code>
          {shown.secret ? (
            <>
              {' '}
              · Copy the client secret now; it is not shown again: <code className="secret">{shown.secret}</code>
            </>
          ) : (
            ' · No secret: this kind of app signs in with PKCE.'
          )}
          {shown.note && <> {shown.note}</>}
        </div>
      )}
      <ErrorNote error={applications.error} />
      {applications.data &&
        (rows.length ? (
          <DataTable label="Applications" rows={rows} columns={columns} />
        ) : (
          <Empty>No application yet: add one to let people sign in to it with Tessera.</Empty>
        ))}
    </Page>
  );
}
