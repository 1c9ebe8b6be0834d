import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, must } from '../../app/client.js';
import { Allowed } from '../../app/permissions.js';
import { ConfirmDialog, TriggerButton } from '../../ui/ConfirmDialog.js';
import { Empty, ErrorNote, when } from '../../ui/parts.js';
import type { User } from './UserPage.js';

/** A user's access: roles, permissions granted directly (with expiry), and why they hold each permission. */
export function UserAccess({ user, onChanged }: { user: User; onChanged: () => unknown }) {
  const queryClient = useQueryClient();
  const permissions = useQuery({
    queryKey: ['user-permissions', user.id],
    queryFn: () => must(api.GET('/users/{id}/permissions', { params: { path: { id: user.id }, query: { explain: true } } })),
  });
  const changed = () => Promise.all([onChanged(), queryClient.invalidateQueries({ queryKey: ['user-permissions', user.id] })]);
  return (
    <div className="stack">
      <UserRoles user={user} onChanged={changed} />
      <DirectPermissions userId={user.id} direct={permissions.data?.direct ?? []} onChanged={changed} />
      <h2>Why they hold each permission</h2>
      <ErrorNote error={permissions.error} />
      {permissions.data?.explain?.length ? (
        <div className="table-wrap">
          <table aria-label="Effective permissions explained" className="cards">
            <thead>
              <tr>
                <th scope="col">Permission</th>
                <th scope="col">Held through</th>
              </tr>
            </thead>
            <tbody>
              {permissions.data.explain.map((entry) => (
                <tr key={entry.permission}>
                  <td data-label="Permission">{entry.permission}</td>
                  <td data-label="Held through">
                    {entry.sources
                      .map((source) =>
                        source.kind === 'role'
                          ? `role ${source.role}`
                          : `direct grant${source.expiresAt ? ` until ${when(source.expiresAt)}` : ''}`,
                      )
                      .join(', ')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        permissions.data && <Empty>No permission.</Empty>
      )}
    </div>
  );
}

/** Runs a change and shows its problem next to the form instead of losing it. */
function useAction() {
  const [error, setError] = useState<unknown>();
  async function run(action: () => Promise<unknown>) {
    setError(undefined);
    try {
      await action();
    } catch (failure) {
      setError(failure);
    }
  }
  return { error, run };
}

function UserRoles({ user, onChanged }: { user: User; onChanged: () => unknown }) {
  const roles = useQuery({ queryKey: ['roles'], queryFn: () => must(api.GET('/roles')) });
  const held = (user.roles ?? []).map((role) => (typeof role === 'string' ? { id: role, name: role } : role));
  const { error, run } = useAction();
  const path = { params: { path: { id: user.id } } };
  return (
    <>
      <h2>Roles</h2>
      <ErrorNote error={error} />
      {held.length ? (
        <ul className="chips" aria-label="Roles held">
          {held.map((role) => (
            <li key={role.id}>
              {role.name}{' '}
              <Allowed permission="roles:manage">
                <button
                  type="button"
                  aria-label={`Remove role ${role.name}`}
                  onClick={() =>
                    run(async () => {
                      await must(api.DELETE('/users/{id}/roles/{roleId}', { params: { path: { id: user.id, roleId: role.id } } }));
                      await onChanged();
                    })
                  }
                >
                  ×
                </button>
              </Allowed>
            </li>
          ))}
        </ul>
      ) : (
        <Empty>No role.</Empty>
      )}
      <Allowed permission="roles:manage">
        <form
          className="filters"
          onSubmit={(event) => {
            event.preventDefault();
            const role = String(new FormData(event.currentTarget).get('role'));
            return run(async () => {
              await must(api.POST('/users/{id}/roles', { ...path, body: { roles: [role] } }));
              await onChanged();
            });
          }}
        >
          <select autoComplete="off" name="role" aria-label="Role to grant">
            {roles.data?.data.map((role) => (
              <option key={role.id}>{role.name}</option>
            ))}
          </select>
          <button type="submit">Grant role</button>
        </form>
      </Allowed>
    </>
  );
}

type Direct = { id: string; name: string; expiresAt: string | null };

function DirectPermissions({ userId, direct, onChanged }: { userId: string; direct: Direct[]; onChanged: () => unknown }) {
  const catalogue = useQuery({ queryKey: ['permissions'], queryFn: () => must(api.GET('/permissions')) });
  const { error, run } = useAction();
  return (
    <>
      <h2>Direct permissions</h2>
      <ErrorNote error={error ?? catalogue.error} />
      {direct.length ? (
        <ul className="list" aria-label="Direct permissions">
          {direct.map((grant) => (
            <li key={grant.id}>
              <strong>{grant.name}</strong>{' '}
              <span className="muted">{grant.expiresAt ? `until ${when(grant.expiresAt)}` : 'no expiry'}</span>{' '}
              <Allowed permission="roles:manage">
                <ConfirmDialog
                  trigger={<TriggerButton tone="danger">Revoke {grant.name}</TriggerButton>}
                  title={`Revoke ${grant.name}?`}
                  description="The direct grant ends now; the permission stays if a role gives it."
                  confirmLabel="Revoke"
                  danger
                  onConfirm={async () => {
                    await must(
                      api.DELETE('/users/{id}/permissions/{permissionId}', { params: { path: { id: userId, permissionId: grant.id } } }),
                    );
                    await onChanged();
                  }}
                />
              </Allowed>
            </li>
          ))}
        </ul>
      ) : (
        <Empty>No permission granted directly.</Empty>
      )}
      <Allowed permission="roles:manage">
        <form
          className="filters"
          aria-label="Grant a permission"
          onSubmit={(event) => {
            event.preventDefault();
            const form = new FormData(event.currentTarget);
            const until = String(form.get('expiresAt') ?? '');
            const target = event.currentTarget;
            return run(async () => {
              await must(
                api.POST('/users/{id}/permissions', {
                  params: { path: { id: userId } },
                  body: { permissions: [String(form.get('permission'))], ...(until ? { expiresAt: new Date(until).toISOString() } : {}) },
                }),
              );
              target.reset();
              await onChanged();
            });
          }}
        >
          <select autoComplete="off" name="permission" aria-label="Permission to grant">
            {catalogue.data?.data.map((permission) => (
              <option key={permission.id}>{permission.name}</option>
            ))}
          </select>
          <label>
            Expires (optional)
            <input autoComplete="off" name="expiresAt" type="datetime-local" />
          </label>
          <button type="submit">Grant permission</button>
        </form>
      </Allowed>
    </>
  );
}
