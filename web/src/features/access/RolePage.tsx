import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, must } from '../../app/client.js';
import { Allowed, useMay } from '../../app/permissions.js';
import { ConfirmDialog, FormDialog, TriggerButton } from '../../ui/ConfirmDialog.js';
import { counted, Empty, ErrorNote, fullName, LiveStatus, Loading, Page } from '../../ui/parts.js';

const loadRole = (id: string) => must(api.GET('/roles/{id}', { params: { path: { id } } }));
type Role = Awaited<ReturnType<typeof loadRole>>;

/** One role: its name and description, the permissions it bundles, and the users who hold it. */
export default function RolePage({ id }: { id: string }) {
  const queryClient = useQueryClient();
  const role = useQuery({ queryKey: ['role', id], queryFn: () => loadRole(id) });
  const may = useMay();
  const refresh = () =>
    Promise.all([queryClient.invalidateQueries({ queryKey: ['role', id] }), queryClient.invalidateQueries({ queryKey: ['roles'] })]);
  if (role.error) return <ErrorNote error={role.error} />;
  if (!role.data) return <Loading />;
  const current = role.data;
  return (
    <Page
      title={`Role ${current.name}`}
      actions={
        !current.isSystem &&
        may('roles:manage') && (
          <FormDialog
            trigger={<button type="button">Edit role</button>}
            title={`Edit the role ${current.name}`}
            submitLabel="Save role"
            onSubmit={async (form) => {
              await must(
                api.PATCH('/roles/{id}', {
                  params: { path: { id } },
                  body: { name: String(form.get('name')), description: String(form.get('description') ?? '') },
                }),
              );
              await refresh();
            }}
          >
            <label>
              Name
              <input autoComplete="off" name="name" defaultValue={current.name} required />
            </label>
            <label>
              Description
              <input autoComplete="off" name="description" defaultValue={current.description ?? ''} />
            </label>
          </FormDialog>
        )
      }
    >
      <p>
        <a href="#/access">← Access</a>
      </p>
      {current.description && <p className="muted">{current.description}</p>}
      {current.isSystem && <p className="muted">A system role of the preset: its name and permissions are fixed.</p>}
      <RolePermissions role={current} onSaved={refresh} />
      <RoleMembers role={current} />
    </Page>
  );
}

function RolePermissions({ role, onSaved }: { role: Role; onSaved: () => unknown }) {
  const permissions = useQuery({ queryKey: ['permissions'], queryFn: () => must(api.GET('/permissions')) });
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState(false);
  const may = useMay();
  const fixed = role.isSystem || role.isSuperAdmin;
  const editable = !fixed && may('roles:manage');
  return (
    <form
      className="stack"
      aria-labelledby="role-permissions"
      onSubmit={async (event) => {
        event.preventDefault();
        setError(undefined);
        setSaved(false);
        const chosen = new FormData(event.currentTarget).getAll('permissions').map(String);
        try {
          await must(api.PUT('/roles/{id}/permissions', { params: { path: { id: role.id } }, body: { permissions: chosen } }));
          setSaved(true);
          await onSaved();
        } catch (failure) {
          setError(failure);
        }
      }}
    >
      <h2 id="role-permissions">Permissions</h2>
      <ErrorNote error={permissions.error ?? error} />
      <fieldset className="columns" disabled={!editable}>
        <legend>{fixed ? 'Bundled (fixed)' : 'Bundled by this role'}</legend>
        {permissions.data?.data.map((permission) => (
          <label key={permission.id} className="inline" title={permission.description ?? ''}>
            <input
              type="checkbox"
              name="permissions"
              value={permission.name}
              defaultChecked={role.isSuperAdmin || role.permissions.includes(permission.name)}
            />{' '}
            {permission.name}
          </label>
        ))}
      </fieldset>
      {saved && <p role="status">Permissions saved: every holder has them now.</p>}
      {editable && (
        <button type="submit" className="primary">
          Save permissions
        </button>
      )}
    </form>
  );
}

/** The users holding the role (the users list filtered by it), with add and remove. */
function RoleMembers({ role }: { role: Role }) {
  const queryClient = useQueryClient();
  const query = { role: role.name, limit: 100, sort: 'email' as const, order: 'asc' as const };
  const members = useQuery({ queryKey: ['users', query], queryFn: () => must(api.GET('/users', { params: { query } })) });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['users'] });

  async function remove(userId: string) {
    await must(api.DELETE('/users/{id}/roles/{roleId}', { params: { path: { id: userId, roleId: role.id } } }));
    await refresh();
  }

  return (
    <div className="stack">
      <div className="page-head">
        <h2>Members</h2>
        <Allowed permission="roles:manage">
          <FormDialog
            trigger={<button type="button">Add member</button>}
            title={`Give ${role.name} to a user`}
            submitLabel="Add member"
            onSubmit={async (form) => {
              const email = String(form.get('email')).trim();
              const found = await must(api.GET('/users', { params: { query: { search: email, limit: 10 } } }));
              const user = found.data.find((candidate) => candidate.email.toLowerCase() === email.toLowerCase());
              if (!user) throw { detail: `No user has the email ${email}.` };
              await must(api.POST('/users/{id}/roles', { params: { path: { id: user.id } }, body: { roles: [role.id] } }));
              await refresh();
            }}
          >
            <label>
              Email of the user
              <input autoComplete="off" name="email" type="email" required />
            </label>
          </FormDialog>
        </Allowed>
      </div>
      <ErrorNote error={members.error} />
      {members.isPending && <Loading />}
      {members.data && (
        <LiveStatus>{`${counted(members.data.total ?? members.data.data.length, 'user holds', 'users hold')} ${role.name}.`}</LiveStatus>
      )}
      {members.data?.data.length ? (
        <ul className="list" aria-label={`Members of ${role.name}`}>
          {members.data.data.map((user) => (
            <li key={user.id}>
              <a href={`#/users/${user.id}`}>{fullName(user)}</a> <span className="muted">{user.email}</span>{' '}
              <Allowed permission="roles:manage">
                <ConfirmDialog
                  trigger={<TriggerButton tone="danger">Remove {user.email}</TriggerButton>}
                  title={`Take ${role.name} from ${user.email}?`}
                  description="They lose the role's permissions at once (those held another way stay)."
                  confirmLabel="Remove"
                  danger
                  onConfirm={() => remove(user.id)}
                />
              </Allowed>
            </li>
          ))}
        </ul>
      ) : (
        members.data && <Empty>Nobody holds this role.</Empty>
      )}
    </div>
  );
}
