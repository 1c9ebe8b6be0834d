import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, must } from '../../app/client.js';
import { ConfirmDialog, FormDialog } from '../../ui/ConfirmDialog.js';
import { Empty, ErrorNote, Page, when } from '../../ui/parts.js';

/** The administrator's own API keys: scopes from what they hold, the key shown once, revoke. */
export default function ApiKeysPage() {
  const queryClient = useQueryClient();
  const keys = useQuery({ queryKey: ['api-keys'], queryFn: () => must(api.GET('/auth/api-keys')) });
  const me = useQuery({ queryKey: ['me', 'self'], queryFn: () => must(api.GET('/auth/me')) });
  const [shown, setShown] = useState<string>();
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['api-keys'] });
  const rows = (
    keys.data as
      | { data?: { id: string; name: string; prefix: string; scopes: string[]; lastUsedAt: string | null; expiresAt: string | null }[] }
      | undefined
  )?.data;
  return (
    <Page
      title="My API keys"
      actions={
        <FormDialog
          trigger={
            <button type="button" className="primary">
              New API key
            </button>
          }
          title="New API key"
          submitLabel="Create key"
          onSubmit={async (form) => {
            const created = await must(
              api.POST('/auth/api-keys', { body: { name: String(form.get('name')), scopes: form.getAll('scopes').map(String) } }),
            );
            setShown(created.key);
            await refresh();
          }}
        >
          <label>
            Name
            <input name="name" required />
          </label>
          <fieldset>
            <legend>Scopes</legend>
            {me.data?.permissions.map((permission) => (
              <label key={permission} className="inline">
                <input type="checkbox" name="scopes" value={permission} /> {permission}
              </label>
            ))}
          </fieldset>
        </FormDialog>
      }
    >
      {shown && (
        <div className="notice" role="status">
          Copy this key now; it is not shown again: <code className="secret">{shown}</code>
        </div>
      )}
      <ErrorNote error={keys.error} />
      {rows &&
        (rows.length ? (
          <ul className="list" aria-label="API keys">
            {rows.map((key) => (
              <li key={key.id}>
                <strong>{key.name}</strong> <code>{key.prefix}…</code> · {key.scopes.join(', ') || 'no scope'} · last used{' '}
                {when(key.lastUsedAt)}{' '}
                <ConfirmDialog
                  trigger={
                    <button type="button" className="danger">
                      Revoke {key.name}
                    </button>
                  }
                  title={`Revoke ${key.name}?`}
                  description="Requests with it are refused from now on."
                  confirmLabel="Revoke key"
                  danger
                  onConfirm={async () => {
                    await must(api.DELETE('/auth/api-keys/{id}', { params: { path: { id: key.id } } }));
                    await refresh();
                  }}
                />
              </li>
            ))}
          </ul>
        ) : (
          <Empty>No API key yet.</Empty>
        ))}
    </Page>
  );
}
