import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, must } from '../../app/client.js';
import { ApiKeyList } from '../../ui/ApiKeyList.js';
import { FormDialog, TriggerButton } from '../../ui/ConfirmDialog.js';
import { ErrorNote, Page } from '../../ui/parts.js';

/** The administrator's own API keys: scopes from what they hold, the key shown once, revoke. */
export default function ApiKeysPage() {
  const queryClient = useQueryClient();
  const keys = useQuery({ queryKey: ['api-keys'], queryFn: () => must(api.GET('/auth/api-keys')) });
  const me = useQuery({ queryKey: ['me', 'self'], queryFn: () => must(api.GET('/auth/me')) });
  // The new key's secret, shown until the page is left or that key is revoked.
  const [shown, setShown] = useState<{ id: string; key: string }>();
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['api-keys'] });
  return (
    <Page
      title="My API keys"
      actions={
        <FormDialog
          trigger={<TriggerButton tone="primary">New API key</TriggerButton>}
          title="New API key"
          submitLabel="Create key"
          onSubmit={async (form) => {
            const created = await must(
              api.POST('/auth/api-keys', { body: { name: String(form.get('name')), scopes: form.getAll('scopes').map(String) } }),
            );
            setShown({ id: created.id, key: created.key });
            await refresh();
          }}
        >
          <label>
            Name
            <input autoComplete="off" name="name" required />
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
          Copy this key now; it is not shown again: <code className="secret">{shown.key}</code>
        </div>
      )}
      <ErrorNote error={keys.error} />
      {keys.data && (
        <ApiKeyList
          keys={keys.data.data}
          empty="No API key yet."
          onRevoke={async (id) => {
            await must(api.DELETE('/auth/api-keys/{id}', { params: { path: { id } } }));
            if (shown?.id === id) setShown(undefined);
            await refresh();
          }}
        />
      )}
    </Page>
  );
}
