import * as Tabs from '@radix-ui/react-tabs';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { patchUserBody } from '@tessera/client';
import { useState } from 'react';
import { api, must, tessera } from '../../app/client.js';
import { Allowed, EditableBy } from '../../app/permissions.js';
import { ConfirmDialog, TriggerButton } from '../../ui/ConfirmDialog.js';
import { useFieldProblems } from '../../ui/FieldProblems.js';
import { download, Empty, ErrorNote, focusPageHeading, fullName, Loading, Page, when } from '../../ui/parts.js';
import { UserAccess } from './UserAccess.js';
import { UserApiKeys } from './UserApiKeys.js';
import { UserFields } from './UserFields.js';
import { UserLearning } from './UserLearning.js';
import { UserProfile } from './UserProfile.js';
import { UserSessions } from './UserSessions.js';
import { UserSubscription } from './UserSubscription.js';

const loadUser = (id: string) =>
  must(api.GET('/users/{id}', { params: { path: { id }, query: { include: 'profile,roles,identities,mfa' } } }));
export type User = Awaited<ReturnType<typeof loadUser>>;

const tabNames: Record<string, string> = { mfa: 'Second factors', 'api-keys': 'API keys' };

export default function UserPage({ id }: { id: string }) {
  const queryClient = useQueryClient();
  const user = useQuery({ queryKey: ['user', id], queryFn: () => loadUser(id) });
  const [notice, setNotice] = useState<string>();
  const [failure, setFailure] = useState<unknown>();
  /** A button's action whose problem shows on the page (the buttons without a dialog to show it in). */
  const attempt = (action: () => Promise<unknown>) => async () => {
    setFailure(undefined);
    setNotice(undefined);
    try {
      await action();
    } catch (problem) {
      setFailure(problem);
    }
  };
  const refresh = () =>
    Promise.all([queryClient.invalidateQueries({ queryKey: ['user', id] }), queryClient.invalidateQueries({ queryKey: ['users'] })]);
  /** After Reactivate or Restore, whose button gives way to Suspend or Delete: focus to the heading, not the body. */
  const refreshReplacingButton = async () => {
    await refresh();
    focusPageHeading();
  };
  const path = { params: { path: { id } } };

  if (user.error) return <ErrorNote error={user.error} />;
  if (!user.data) return <Loading />;
  const person = user.data;

  return (
    <Page title={fullName(person)}>
      <p>
        <a href="#/users">← Users</a>
      </p>
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <ErrorNote error={failure} />
      <div className="actions wrap">
        <Allowed permission="users:suspend">
          {person.status === 'SUSPENDED' ? (
            <button
              type="button"
              onClick={attempt(async () => {
                await must(api.POST('/users/{id}/activate', { ...path, body: {} }));
                await refreshReplacingButton();
              })}
            >
              Reactivate
            </button>
          ) : (
            <ConfirmDialog
              trigger={<TriggerButton tone="danger">Suspend</TriggerButton>}
              title={`Suspend ${person.email}?`}
              description="Their sessions end now and they cannot sign in until reactivated."
              reason="Reason for the suspension"
              confirmLabel="Suspend"
              danger
              onConfirm={async (reason) => {
                await must(api.POST('/users/{id}/suspend', { ...path, body: { reason } }));
                await refresh();
              }}
            />
          )}
        </Allowed>
        <button
          type="button"
          onClick={attempt(async () => {
            await must(api.POST('/auth/forgot-password', { body: { email: person.email } }));
            setNotice(`A password reset link was mailed to ${person.email}.`);
          })}
        >
          Send reset link
        </button>
        <Allowed permission="users:export">
          <button
            type="button"
            onClick={attempt(async () => {
              const data = await must(api.GET('/users/{id}/export', path));
              download(`user-${id}.json`, 'application/json', JSON.stringify(data, null, 2));
            })}
          >
            Export (GDPR)
          </button>
        </Allowed>
        <Allowed permission="users:impersonate">
          <ConfirmDialog
            trigger={<button type="button">Impersonate</button>}
            title={`Act as ${person.email}?`}
            description="For support: you see Tessera as this person for at most 30 minutes. Every request is audited with both of you, and they see the session."
            reason="Reason (recorded in the audit log)"
            confirmLabel="Start impersonating"
            onConfirm={async (reason) => {
              const result = await tessera.impersonate(id, reason);
              if (!result.ok) throw result.problem;
              // Read everything again as the person (clear() would strand the queries on screen, never refetched).
              await queryClient.resetQueries();
            }}
          />
        </Allowed>
        <Allowed permission="users:delete">
          {person.status === 'INACTIVE' ? (
            <button
              type="button"
              onClick={attempt(async () => {
                await must(api.POST('/users/{id}/restore', { ...path, body: {} }));
                await refreshReplacingButton();
              })}
            >
              Restore
            </button>
          ) : (
            <ConfirmDialog
              trigger={<TriggerButton tone="danger">Delete</TriggerButton>}
              title={`Delete ${person.email}?`}
              description="The account is deactivated and can be restored later."
              typed="delete"
              confirmLabel="Delete"
              danger
              onConfirm={async () => {
                await must(api.DELETE('/users/{id}', path));
                await refresh();
              }}
            />
          )}
          <ConfirmDialog
            trigger={<TriggerButton tone="danger">Erase</TriggerButton>}
            title={`Erase ${person.email} for good?`}
            description="Their personal data is removed and cannot be restored (GDPR erasure)."
            typed={person.email}
            confirmLabel="Erase"
            danger
            onConfirm={async () => {
              await must(api.DELETE('/users/{id}', { params: { path: { id }, query: { hard: true } } }));
              window.location.hash = '/users';
            }}
          />
        </Allowed>
      </div>
      <Tabs.Root defaultValue="details" className="tabs">
        <Tabs.List aria-label="User sections">
          {['details', 'profile', 'access', 'sessions', 'identities', 'mfa', 'api-keys', 'subscription', 'learning'].map((tab) => (
            <Tabs.Trigger key={tab} value={tab}>
              {tabNames[tab] ?? tab[0]?.toUpperCase() + tab.slice(1)}
            </Tabs.Trigger>
          ))}
        </Tabs.List>
        <Tabs.Content value="details">
          <Details user={person} onSaved={refresh} />
        </Tabs.Content>
        <Tabs.Content value="profile">
          <UserProfile user={person} onSaved={refresh} />
        </Tabs.Content>
        <Tabs.Content value="access">
          <UserAccess user={person} onChanged={refresh} />
        </Tabs.Content>
        <Tabs.Content value="sessions">
          <UserSessions id={id} />
        </Tabs.Content>
        <Tabs.Content value="identities">
          <Identities user={person} onChanged={refresh} />
        </Tabs.Content>
        <Tabs.Content value="mfa">
          <SecondFactors user={person} onChanged={refresh} />
        </Tabs.Content>
        <Tabs.Content value="api-keys">
          <UserApiKeys id={id} />
        </Tabs.Content>
        <Tabs.Content value="subscription">
          <UserSubscription id={id} />
        </Tabs.Content>
        <Tabs.Content value="learning">
          <UserLearning id={id} />
        </Tabs.Content>
      </Tabs.Root>
    </Page>
  );
}

/** The changes the edit form sends: cleared optional fields become null (removed). */
function userChangesOf(form: FormData) {
  const text = (name: string) => String(form.get(name) ?? '').trim();
  return {
    email: text('email'),
    firstName: text('firstName'),
    lastName: text('lastName'),
    username: text('username') || null,
    phone: text('phone') || null,
  };
}

function Details({ user, onSaved }: { user: User; onSaved: () => unknown }) {
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState(false);
  const fields = useFieldProblems(patchUserBody, userChangesOf);
  return (
    <form
      className="stack narrow"
      aria-label="Edit user"
      {...fields.handlers}
      onSubmit={async (event) => {
        event.preventDefault();
        setError(undefined);
        setSaved(false);
        try {
          const body = fields.checked(new FormData(event.currentTarget));
          await must(api.PATCH('/users/{id}', { params: { path: { id: user.id } }, body }));
          setSaved(true);
          await onSaved();
        } catch (failure) {
          setError(failure);
        }
      }}
    >
      <dl className="facts">
        <dt>Status</dt>
        <dd>
          <span className={`status ${user.status.toLowerCase()}`}>{user.status}</span> {user.statusReason ?? ''}
        </dd>
        <dt>Created</dt>
        <dd>{when(user.createdAt)}</dd>
        <dt>Last sign-in</dt>
        <dd>{user.lastLoginAt ? when(user.lastLoginAt) : 'never'}</dd>
        <dt>Email verified</dt>
        <dd>{user.emailVerified ? 'yes' : 'no'}</dd>
      </dl>
      <EditableBy permission="users:write">
        <UserFields fields={fields} current={user} />
      </EditableBy>
      <ErrorNote error={error} />
      {saved && <p role="status">Saved.</p>}
      <Allowed permission="users:write">
        <button type="submit" className="primary">
          Save
        </button>
      </Allowed>
    </form>
  );
}

function Identities({ user, onChanged }: { user: User; onChanged: () => unknown }) {
  if (!user.identities?.length) return <Empty>No linked identities: the user signs in with a password only.</Empty>;
  return (
    <ul className="list" aria-label="Linked identities">
      {user.identities.map((identity) => (
        <li key={identity.id}>
          {identity.provider} · {identity.email ?? '—'} · last sign-in {when(identity.lastSignInAt)}{' '}
          <Allowed permission="users:write">
            <ConfirmDialog
              trigger={<TriggerButton tone="danger">Unlink {identity.provider}</TriggerButton>}
              title={`Unlink the ${identity.provider} identity?`}
              description="The user can no longer sign in with it."
              confirmLabel="Unlink"
              danger
              onConfirm={async () => {
                await must(
                  api.DELETE('/users/{id}/identities/{identityId}', { params: { path: { id: user.id, identityId: identity.id } } }),
                );
                await onChanged();
              }}
            />
          </Allowed>
        </li>
      ))}
    </ul>
  );
}

const factorKinds: Record<string, string> = { totp: 'Authenticator app', webauthn: 'Passkey' };

/** The person's authenticator apps and passkeys (kinds and dates; secrets never leave the server), and the reset. */
function SecondFactors({ user, onChanged }: { user: User; onChanged: () => unknown }) {
  const mfa = user.mfa;
  if (!mfa?.enabled)
    return <Empty>No second factor: the user signs in without one (or enrols at the next sign-in if a policy requires it).</Empty>;
  return (
    <div className="stack">
      <table>
        <caption>Second factors</caption>
        <thead>
          <tr>
            <th scope="col">Kind</th>
            <th scope="col">Added</th>
            <th scope="col">Last used</th>
          </tr>
        </thead>
        <tbody>
          {mfa.factors.map((factor) => (
            <tr key={`${factor.kind}-${factor.createdAt}`}>
              <td>{factorKinds[factor.kind] ?? factor.kind}</td>
              <td>{when(factor.createdAt)}</td>
              <td>{factor.lastUsedAt ? when(factor.lastUsedAt) : 'never'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>{mfa.kinds.includes('recovery_code') ? 'Unused recovery codes remain.' : 'No unused recovery codes.'}</p>
      <Allowed permission="users:write">
        <div className="actions">
          <ConfirmDialog
            trigger={<TriggerButton tone="danger">Reset second factors</TriggerButton>}
            title={`Reset the second factors of ${user.email}?`}
            description="Every authenticator app, passkey and recovery code of theirs is removed, and they are mailed. For someone who lost them all: they sign in with their password (and enrol again if a policy requires it)."
            confirmLabel="Reset"
            danger
            onConfirm={async () => {
              await must(api.DELETE('/users/{id}/mfa', { params: { path: { id: user.id } } }));
              await onChanged();
            }}
          />
        </div>
      </Allowed>
    </div>
  );
}
