import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, must } from '../../app/client.js';
import { ConfirmDialog, FormDialog } from '../../ui/ConfirmDialog.js';
import { Empty, ErrorNote, Page } from '../../ui/parts.js';

const kinds = ['google', 'microsoft', 'github', 'facebook', 'oidc'] as const;

/** Social and enterprise sign-in: add a provider, copy its callback URL into the provider's console, test it. */
export default function ProvidersPage() {
  const queryClient = useQueryClient();
  const [kind, setKind] = useState<(typeof kinds)[number]>('google');
  const providers = useQuery({ queryKey: ['identity-providers'], queryFn: () => must(api.GET('/identity-providers')) });
  const rows = (
    providers.data as
      | { data?: { id: string; slug: string; kind: string; displayName: string; enabled: boolean; callbackUrl: string; source: string }[] }
      | undefined
  )?.data;
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['identity-providers'] });
  return (
    <Page
      title="Sign-in providers"
      actions={
        <FormDialog
          trigger={
            <button type="button" className="primary">
              Add provider
            </button>
          }
          title="Add a sign-in provider"
          submitLabel="Add provider"
          onSubmit={async (form) => {
            const text = (name: string) => String(form.get(name) ?? '').trim();
            await must(
              api.POST('/identity-providers', {
                body: {
                  kind,
                  slug: text('slug'),
                  clientId: text('clientId'),
                  clientSecret: text('clientSecret'),
                  ...(text('displayName') ? { displayName: text('displayName') } : {}),
                  ...(kind === 'oidc' ? { issuer: text('issuer') } : {}),
                },
              }),
            );
            await refresh();
          }}
        >
          <label>
            Kind
            <select value={kind} onChange={(event) => setKind(event.target.value as (typeof kinds)[number])}>
              {kinds.map((value) => (
                <option key={value}>{value}</option>
              ))}
            </select>
          </label>
          <label>
            Slug (in the callback URL)
            <input name="slug" required pattern="[a-z0-9-]+" defaultValue={kind === 'oidc' ? '' : kind} />
          </label>
          <label>
            Display name
            <input name="displayName" />
          </label>
          {kind === 'oidc' && (
            <label>
              Issuer URL
              <input name="issuer" type="url" required />
            </label>
          )}
          <label>
            Client ID
            <input name="clientId" required />
          </label>
          <label>
            Client secret
            <input name="clientSecret" type="password" required autoComplete="off" />
          </label>
        </FormDialog>
      }
    >
      <ErrorNote error={providers.error} />
      {rows &&
        (rows.length ? (
          <ul className="list" aria-label="Sign-in providers">
            {rows.map((provider) => (
              <li key={provider.id}>
                <strong>{provider.displayName}</strong> ({provider.kind}) {provider.enabled ? '' : '· disabled'}
                <div>
                  Callback URL: <code>{provider.callbackUrl}</code>{' '}
                  <button type="button" onClick={() => navigator.clipboard?.writeText(provider.callbackUrl)}>
                    Copy callback URL
                  </button>{' '}
                  <a className="button" href={`/auth/oauth/${provider.slug}/authorize`} target="_blank" rel="noreferrer">
                    Test sign-in
                  </a>{' '}
                  {provider.source === 'database' && (
                    <ConfirmDialog
                      trigger={
                        <button type="button" className="danger">
                          Remove {provider.slug}
                        </button>
                      }
                      title={`Remove ${provider.displayName}?`}
                      description="People can no longer sign in with it; their linked identities stay."
                      typed={provider.slug}
                      confirmLabel="Remove provider"
                      danger
                      onConfirm={async () => (
                        await must(api.DELETE('/identity-providers/{id}', { params: { path: { id: provider.id } } })), refresh()
                      )}
                    />
                  )}
                </div>
              </li>
            ))}
          </ul>
        ) : (
          <Empty>No sign-in provider: people sign in with a password.</Empty>
        ))}
    </Page>
  );
}
