import { useCallback, useEffect, useState } from 'react';
import { api } from './session.js';

type UserDetail = NonNullable<Awaited<ReturnType<typeof loadUser>>['data']>;

function loadUser(id: string) {
  return api.GET('/users/{id}', { params: { path: { id }, query: { include: 'profile,roles,identities' } } });
}

export function UserPage({ id }: { id: string }) {
  const [user, setUser] = useState<UserDetail>();
  const [error, setError] = useState<string>();

  const refresh = useCallback(async () => {
    const { data, error: failure } = await loadUser(id);
    if (data) setUser(data);
    else setError((failure as { detail?: string } | undefined)?.detail ?? 'Could not load the user.');
  }, [id]);

  useEffect(() => {
    refresh();
  }, [refresh]);

  async function changeStatus(action: 'suspend' | 'activate') {
    const reason = action === 'suspend' ? window.prompt('Reason for the suspension') : undefined;
    if (action === 'suspend' && !reason) return;
    const path = action === 'suspend' ? '/users/{id}/suspend' : '/users/{id}/activate';
    const { error: failure } = await api.POST(path, { params: { path: { id } }, body: reason ? { reason } : {} });
    if (failure) setError((failure as { detail?: string }).detail ?? 'The change was refused.');
    else await refresh();
  }

  async function unlink(identityId: string, provider: string) {
    if (!window.confirm(`Unlink the ${provider} identity? The user can no longer sign in with it.`)) return;
    const { error: failure } = await api.DELETE('/users/{id}/identities/{identityId}', { params: { path: { id, identityId } } });
    if (failure) setError((failure as { detail?: string }).detail ?? 'The identity could not be unlinked.');
    else await refresh();
  }

  if (error) {
    return (
      <p role="alert" className="error">
        {error}
      </p>
    );
  }
  if (!user) return <p className="muted">Loading…</p>;

  return (
    <section>
      <p>
        <a href="#/users">← Users</a>
      </p>
      <h1>{`${user.firstName} ${user.lastName}`.trim() || user.email}</h1>
      <dl>
        <dt>Email</dt>
        <dd>{user.email}</dd>
        <dt>Status</dt>
        <dd>
          <span className={`status ${user.status.toLowerCase()}`}>{user.status}</span>
        </dd>
        <dt>Roles</dt>
        <dd>{(user.roles ?? []).map((role) => (typeof role === 'string' ? role : role.name)).join(', ') || '—'}</dd>
        <dt>Created</dt>
        <dd>{new Date(user.createdAt).toLocaleString()}</dd>
        <dt>Last sign-in</dt>
        <dd>{user.lastLoginAt ? new Date(user.lastLoginAt).toLocaleString() : 'never'}</dd>
      </dl>
      <h2>Linked identities</h2>
      {user.identities?.length ? (
        <table aria-label="Linked identities">
          <thead>
            <tr>
              <th>Provider</th>
              <th>Email</th>
              <th>Linked</th>
              <th>Last sign-in</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {user.identities.map((identity) => (
              <tr key={identity.id}>
                <td>{identity.provider}</td>
                <td>
                  {identity.email ?? '—'}
                  {identity.email && !identity.emailVerified ? ' (unverified)' : ''}
                </td>
                <td>{new Date(identity.createdAt).toLocaleString()}</td>
                <td>{identity.lastSignInAt ? new Date(identity.lastSignInAt).toLocaleString() : 'never'}</td>
                <td>
                  <button type="button" className="danger" onClick={() => unlink(identity.id, identity.provider)}>
                    Unlink {identity.provider}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted">No linked identities: the user signs in with a password only.</p>
      )}
      <div className="actions">
        {user.status === 'SUSPENDED' ? (
          <button type="button" onClick={() => changeStatus('activate')}>
            Reactivate
          </button>
        ) : (
          <button type="button" className="danger" onClick={() => changeStatus('suspend')}>
            Suspend
          </button>
        )}
      </div>
    </section>
  );
}
