import * as Tabs from '@radix-ui/react-tabs';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { postRolesBody } from '@tessera/client';
import { useState } from 'react';
import { api, must } from '../../app/client.js';
import { Allowed, useMay } from '../../app/permissions.js';
import { ConfirmDialog, CreateDialog, TriggerButton } from '../../ui/ConfirmDialog.js';
import { CheckedInput, useFieldProblems } from '../../ui/FieldProblems.js';
import { ErrorNote, Loading, Page } from '../../ui/parts.js';
import RolePage from './RolePage.js';
import { UserTypes } from './UserTypes.js';

export default function AccessPage({ param }: { param?: string }) {
  return param ? <RolePage id={param} /> : <AccessOverview />;
}

/** Roles (system roles protected), the roles × permissions matrix, and user types. */
function AccessOverview() {
  const queryClient = useQueryClient();
  const roles = useQuery({ queryKey: ['roles'], queryFn: () => must(api.GET('/roles')) });
  const permissions = useQuery({ queryKey: ['permissions'], queryFn: () => must(api.GET('/permissions')) });
  const [error, setError] = useState<unknown>();
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['roles'] });
  const may = useMay();

  async function toggle(role: { id: string; permissions: string[] }, permission: string) {
    const next = role.permissions.includes(permission)
      ? role.permissions.filter((name) => name !== permission)
      : [...role.permissions, permission];
    setError(undefined);
    try {
      await must(api.PUT('/roles/{id}/permissions', { params: { path: { id: role.id } }, body: { permissions: next } }));
      await refresh();
    } catch (failure) {
      setError(failure);
    }
  }

  return (
    <Page
      title="Access"
      actions={
        <Allowed permission="roles:manage">
          <NewRole permissions={permissions.data?.data ?? []} onCreated={refresh} />
        </Allowed>
      }
    >
      <ErrorNote error={roles.error ?? error} />
      {roles.isPending && <Loading />}
      <Tabs.Root defaultValue="roles" className="tabs">
        <Tabs.List aria-label="Access sections">
          <Tabs.Trigger value="roles">Roles</Tabs.Trigger>
          <Tabs.Trigger value="matrix">Permission matrix</Tabs.Trigger>
          <Tabs.Trigger value="types">User types</Tabs.Trigger>
        </Tabs.List>
        <Tabs.Content value="roles">
          <ul className="list" aria-label="Roles">
            {roles.data?.data.map((role) => (
              <li key={role.id}>
                <a href={`#/access/${role.id}`}>
                  <strong>{role.name}</strong>
                </a>{' '}
                {role.isSystem && <span className="tag">system</span>} {role.isSuperAdmin && <span className="tag">all permissions</span>}
                <span className="muted"> {role.description}</span>{' '}
                {!role.isSystem && may('roles:manage') && (
                  <ConfirmDialog
                    trigger={<TriggerButton tone="danger">Delete {role.name}</TriggerButton>}
                    title={`Delete the role ${role.name}?`}
                    description="Users holding it lose its permissions."
                    typed={role.name}
                    confirmLabel="Delete role"
                    danger
                    onConfirm={async () => {
                      await must(api.DELETE('/roles/{id}', { params: { path: { id: role.id } } }));
                      await refresh();
                    }}
                  />
                )}
              </li>
            ))}
          </ul>
        </Tabs.Content>
        <Tabs.Content value="matrix">
          <div className="table-wrap">
            <table aria-label="Permission matrix">
              <thead>
                <tr>
                  <th scope="col">Permission</th>
                  {roles.data?.data.map((role) => (
                    <th scope="col" key={role.id}>
                      {role.name}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {permissions.data?.data.map((permission) => (
                  <tr key={permission.id}>
                    <th scope="row" title={permission.description ?? ''}>
                      {permission.name}
                    </th>
                    {roles.data?.data.map((role) => (
                      <td key={role.id}>
                        <input
                          type="checkbox"
                          aria-label={`${role.name}: ${permission.name}`}
                          checked={role.isSuperAdmin || role.permissions.includes(permission.name)}
                          disabled={role.isSystem || role.isSuperAdmin || !may('roles:manage')}
                          onChange={() => toggle(role, permission.name)}
                        />
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </Tabs.Content>
        <Tabs.Content value="types">
          <UserTypes />
        </Tabs.Content>
      </Tabs.Root>
    </Page>
  );
}

const roleBody = (form: FormData) => ({
  name: String(form.get('name') ?? ''),
  description: String(form.get('description') ?? ''),
  permissions: form.getAll('permissions').map(String),
});

/** A custom role: its name checked against the API's schema as it is typed, so a refusal is said by the field. */
function NewRole({ permissions, onCreated }: { permissions: { id: string; name: string }[]; onCreated: () => Promise<unknown> }) {
  const fields = useFieldProblems(postRolesBody, roleBody);
  return (
    <CreateDialog
      noun="role"
      onSubmit={async (form) => {
        await must(api.POST('/roles', { body: fields.checked(form) }));
        await onCreated();
      }}
    >
      <div className="stack" {...fields.handlers}>
        <CheckedInput
          fields={fields}
          name="name"
          label="Name"
          hint="2 to 100 letters, digits, dots, dashes or underscores, starting with a letter"
          required
          autoComplete="off"
        />
        <CheckedInput fields={fields} name="description" label="Description" autoComplete="off" />
        <fieldset>
          <legend>Permissions</legend>
          {permissions.map((permission) => (
            <label key={permission.id} className="inline">
              <input type="checkbox" name="permissions" value={permission.name} /> {permission.name}
            </label>
          ))}
        </fieldset>
      </div>
    </CreateDialog>
  );
}
