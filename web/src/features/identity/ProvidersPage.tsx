import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, describeProblem, must } from '../../app/client.js';
import { ConfirmDialog, FormDialog, TriggerButton } from '../../ui/ConfirmDialog.js';
import { CopyButton } from '../../ui/CopyButton.js';
import { Empty, ErrorNote, Page, when } from '../../ui/parts.js';

type Provider = Awaited<ReturnType<typeof loadProviders>>['data'][number];
const loadProviders = () => must(api.GET('/identity-providers'));
const listOf = (text: string) =>
  text
    .split(/[\s,]+/)
    .map((item) => item.trim())
    .filter(Boolean);

const kinds = ['google', 'microsoft', 'github', 'facebook', 'oidc'] as const;
/** The provider's callback sends the administrator back to `#/identity-providers/tested-<testId>`. */
const TESTED = 'tested-';

/** Social and enterprise sign-in: add a provider, copy its callback URL into the provider's console, test it. */
export default function ProvidersPage({ param }: { param?: string }) {
  const testId = param?.startsWith(TESTED) ? param.slice(TESTED.length) : undefined;
  const queryClient = useQueryClient();
  const [kind, setKind] = useState<(typeof kinds)[number]>('google');
  const providers = useQuery({ queryKey: ['identity-providers'], queryFn: loadProviders });
  const rows = providers.data?.data;
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['identity-providers'] });
  return (
    <Page
      title="Sign-in providers"
      actions={
        <FormDialog
          trigger={<TriggerButton tone="primary">Add provider</TriggerButton>}
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
                  ...(kind === 'microsoft' ? { tenant: text('tenant') } : {}),
                  // Any other kind starts with its own default (a well-known provider's word is trusted).
                  ...(kind === 'oidc' ? { trustEmailVerified: form.get('trustEmailVerified') === 'on' } : {}),
                },
              }),
            );
            await refresh();
          }}
        >
          <label>
            Kind
            <select autoComplete="off" value={kind} onChange={(event) => setKind(event.target.value as (typeof kinds)[number])}>
              {kinds.map((value) => (
                <option key={value}>{value}</option>
              ))}
            </select>
          </label>
          <label>
            Slug (in the callback URL)
            {/* A new kind is a new field: its default (the kind's own slug) replaces the previous kind's. */}
            <input autoComplete="off" key={kind} name="slug" required pattern="[a-z0-9-]+" defaultValue={kind === 'oidc' ? '' : kind} />
          </label>
          <label>
            Display name
            <input autoComplete="off" name="displayName" />
          </label>
          {kind === 'oidc' && (
            <label>
              Issuer URL
              <input autoComplete="off" name="issuer" type="url" required />
            </label>
          )}
          {kind === 'microsoft' && (
            <label>
              Directory (tenant) ID
              <input name="tenant" required autoComplete="off" />
            </label>
          )}
          <label>
            Client ID
            <input autoComplete="off" name="clientId" required />
          </label>
          <label>
            Client secret
            <input name="clientSecret" type="password" required autoComplete="off" />
          </label>
          {kind === 'oidc' && <TrustEmailVerified defaultChecked={false} />}
        </FormDialog>
      }
    >
      {testId && <TestSignInResult testId={testId} providers={rows} />}
      <ErrorNote error={providers.error} />
      {rows &&
        (rows.length ? (
          <ul className="list" aria-label="Sign-in providers">
            {rows.map((provider) => (
              <li key={provider.id}>
                <strong>{provider.displayName}</strong> ({provider.kind}) {provider.enabled ? '' : '· disabled'}
                <div>
                  Callback URL: <code>{provider.callbackUrl}</code>{' '}
                  <CopyButton text={provider.callbackUrl} label="Copy callback URL" what="URL" /> <TestProvider provider={provider} />{' '}
                  <TestSignIn provider={provider} />{' '}
                  {provider.source === 'database' && <EditProvider provider={provider} onSaved={refresh} />}{' '}
                  {provider.source === 'database' && (
                    <ConfirmDialog
                      trigger={<TriggerButton tone="danger">Remove {provider.slug}</TriggerButton>}
                      title={`Remove ${provider.displayName}?`}
                      description="People can no longer sign in with it; their linked identities stay."
                      typed={provider.slug}
                      confirmLabel="Remove provider"
                      danger
                      onConfirm={async () => {
                        await must(api.DELETE('/identity-providers/{id}', { params: { path: { id: provider.id } } }));
                        await refresh();
                      }}
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

/** Runs what a sign-in runs before sending the person away, and says where it would go or why it cannot. */
function TestProvider({ provider }: { provider: Provider }) {
  const [result, setResult] = useState<{ ok: boolean; text: string }>();
  const [busy, setBusy] = useState(false);
  return (
    <>
      <button
        type="button"
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          setResult(undefined);
          try {
            const found = await must(api.POST('/identity-providers/{id}/test', { params: { path: { id: provider.id } } }));
            setResult({ ok: true, text: `Reachable: sign-in goes to ${found.authorizationEndpoint} (scopes ${found.scopes.join(' ')}).` });
          } catch (failure) {
            setResult({ ok: false, text: describeProblem(failure) });
          } finally {
            setBusy(false);
          }
        }}
      >
        Test {provider.slug}
      </button>
      <span role="status" className={result?.ok === false ? 'error' : 'muted'}>
        {result?.text}
      </span>
    </>
  );
}

/** A real sign-in at the provider in this tab, which signs nobody in: the provider sends the administrator back here. */
function TestSignIn({ provider }: { provider: Provider }) {
  const [problem, setProblem] = useState<string>();
  return (
    <>
      <button
        type="button"
        onClick={async () => {
          setProblem(undefined);
          try {
            const started = await must(api.POST('/identity-providers/{id}/test-sign-in', { params: { path: { id: provider.id } } }));
            window.location.assign(started.authorizationUrl);
          } catch (failure) {
            setProblem(describeProblem(failure));
          }
        }}
      >
        Test sign-in with {provider.slug}
      </button>
      <span role="status" className="error">
        {problem}
      </span>
    </>
  );
}

const outcomes = {
  signs_in: 'A sign-in would sign in the account linked to this identity',
  links_by_email: 'A sign-in would link this identity to the account with the same verified address, and sign it in',
  creates_account: 'A sign-in would create a new account',
  refused: 'A sign-in would be refused',
} as const;

/** What the provider answered to the administrator's test sign-in, and what Tessera would do with it. */
function TestSignInResult({ testId, providers }: { testId: string; providers: Provider[] | undefined }) {
  const result = useQuery({
    queryKey: ['identity-provider-test', testId],
    queryFn: () => must(api.GET('/identity-providers/test-sign-ins/{testId}', { params: { path: { testId } } })),
    retry: false,
  });
  const found = result.data;
  const untrusted = providers?.find((provider) => provider.slug === found?.provider)?.trustEmailVerified === false;
  return (
    <section aria-labelledby="test-result-title" className="notice">
      <h2 id="test-result-title">Test sign-in result</h2>
      <ErrorNote error={result.error} />
      {found && (
        <>
          <p role="status">
            <strong>{found.provider}</strong>: {outcomes[found.outcome]}
            {found.account ? ` (${found.account.email}).` : '.'}
          </p>
          {found.refusal && (
            <p className="error">
              {found.refusal.code}: {found.refusal.detail}
            </p>
          )}
          {found.identity && (
            <dl className="facts">
              <dt>Subject</dt>
              <dd>
                <code>{found.identity.subject}</code>
              </dd>
              <dt>Email</dt>
              <dd>
                {found.identity.email ?? 'none given'} (
                {found.identity.emailVerified
                  ? 'verified by the provider'
                  : untrusted
                    ? 'not counted as verified: this provider is not trusted to verify addresses'
                    : 'not verified'}
                )
              </dd>
              <dt>Name</dt>
              <dd>{`${found.identity.firstName} ${found.identity.lastName}`.trim() || 'none given'}</dd>
            </dl>
          )}
          <p className="muted">Tested {when(found.testedAt)}. Nobody was signed in and nothing was changed.</p>
        </>
      )}
    </section>
  );
}

/** Changes a provider added here (those of OAUTH_* settings are changed in the settings). */
function EditProvider({ provider, onSaved }: { provider: Provider; onSaved: () => unknown }) {
  return (
    <FormDialog
      trigger={<button type="button">Edit {provider.slug}</button>}
      title={`Edit ${provider.displayName}`}
      submitLabel="Save provider"
      onSubmit={async (form) => {
        const text = (name: string) => String(form.get(name) ?? '').trim();
        await must(
          api.PATCH('/identity-providers/{id}', {
            params: { path: { id: provider.id } },
            body: {
              displayName: text('displayName'),
              clientId: text('clientId'),
              ...(text('clientSecret') ? { clientSecret: text('clientSecret') } : {}),
              scopes: listOf(text('scopes')),
              allowedDomains: listOf(text('allowedDomains').toLowerCase()),
              signUpEnabled: form.get('signUpEnabled') === 'on',
              // Facebook's addresses never count as verified: it has no such switch to send.
              ...(provider.kind === 'facebook' ? {} : { trustEmailVerified: form.get('trustEmailVerified') === 'on' }),
              enabled: form.get('enabled') === 'on',
            },
          }),
        );
        await onSaved();
      }}
    >
      <label>
        Display name
        <input autoComplete="off" name="displayName" defaultValue={provider.displayName} required />
      </label>
      <label>
        Client ID
        <input autoComplete="off" name="clientId" defaultValue={provider.clientId} required />
      </label>
      <label>
        New client secret (empty: keep the stored one)
        <input name="clientSecret" type="password" autoComplete="off" />
      </label>
      <label>
        Scopes (separated by spaces)
        <input autoComplete="off" name="scopes" defaultValue={provider.scopes.join(' ')} />
      </label>
      <label>
        Allowed email domains (empty: any)
        <input autoComplete="off" name="allowedDomains" defaultValue={provider.allowedDomains.join(' ')} />
      </label>
      <label className="inline">
        <input type="checkbox" name="signUpEnabled" defaultChecked={provider.signUpEnabled} /> A first sign-in creates the account
      </label>
      {provider.kind !== 'facebook' && <TrustEmailVerified defaultChecked={provider.trustEmailVerified} />}
      <label className="inline">
        <input type="checkbox" name="enabled" defaultChecked={provider.enabled} /> Enabled
      </label>
    </FormDialog>
  );
}

/** The provider's word that an address is verified: taken, it signs in to the account that has that address. */
function TrustEmailVerified({ defaultChecked }: { defaultChecked: boolean }) {
  return (
    <label className="inline">
      <input type="checkbox" name="trustEmailVerified" defaultChecked={defaultChecked} /> Trust the addresses it calls verified (such an
      address signs in to the account that has it)
    </label>
  );
}
