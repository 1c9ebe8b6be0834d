import { useEffect, useState } from 'react';
import { go } from './App.js';
import { api } from './session.js';

type UserList = NonNullable<Awaited<ReturnType<typeof listUsers>>['data']>;

const statuses = ['', 'ACTIVE', 'PENDING', 'SUSPENDED', 'INACTIVE'] as const;

function listUsers(search: string, status: string, cursor?: string) {
  return api.GET('/users', {
    params: {
      query: {
        ...(search ? { search } : {}),
        ...(status ? { status: status as 'ACTIVE' } : {}),
        ...(cursor ? { cursor } : {}),
        limit: 25,
      },
    },
  });
}

export function UsersPage() {
  const [search, setSearch] = useState('');
  const [status, setStatus] = useState('');
  const [users, setUsers] = useState<UserList['data']>([]);
  const [nextCursor, setNextCursor] = useState<string | undefined>();
  const [total, setTotal] = useState<number | undefined>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    // Typing pauses briefly before searching, so one query runs per burst of keys.
    const timer = setTimeout(async () => {
      const { data, error: failure } = await listUsers(search, status);
      if (!data) return setError((failure as { detail?: string } | undefined)?.detail ?? 'Could not load users.');
      setError(undefined);
      setUsers(data.data);
      setTotal(data.total ?? undefined);
      setNextCursor(data.nextCursor ?? undefined);
    }, 200);
    return () => clearTimeout(timer);
  }, [search, status]);

  async function more() {
    const { data } = await listUsers(search, status, nextCursor);
    if (!data) return;
    setUsers((shown) => [...shown, ...data.data]);
    setNextCursor(data.nextCursor ?? undefined);
  }

  return (
    <section>
      <h1>Users{total !== undefined && <span className="muted"> ({total})</span>}</h1>
      <div className="filters">
        <input aria-label="Search users" placeholder="Search name or email" value={search} onChange={(event) => setSearch(event.target.value)} />
        <select aria-label="Status" value={status} onChange={(event) => setStatus(event.target.value)}>
          {statuses.map((value) => (
            <option key={value} value={value}>
              {value || 'Any status'}
            </option>
          ))}
        </select>
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <table>
        <thead>
          <tr>
            <th>Email</th>
            <th>Name</th>
            <th>Status</th>
            <th>Created</th>
          </tr>
        </thead>
        <tbody>
          {users.map((user) => (
            <tr key={user.id} onClick={() => go({ page: 'user', id: user.id })}>
              <td>
                <a href={`#/users/${user.id}`}>{user.email}</a>
              </td>
              <td>{`${user.firstName} ${user.lastName}`.trim()}</td>
              <td>
                <span className={`status ${user.status.toLowerCase()}`}>{user.status}</span>
              </td>
              <td>{new Date(user.createdAt).toLocaleDateString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {nextCursor && (
        <button type="button" onClick={more}>
          Load more
        </button>
      )}
    </section>
  );
}
