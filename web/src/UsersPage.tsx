import { useCallback, useState } from 'react';
import { go } from './App.js';
import { usePagedList } from './paged.js';
import { ErrorNote, LoadMore } from './parts.js';
import { api } from './session.js';

const statuses = ['', 'ACTIVE', 'PENDING', 'SUSPENDED', 'INACTIVE'] as const;
type Status = Exclude<(typeof statuses)[number], ''>;

export function UsersPage() {
  const [search, setSearch] = useState('');
  const [status, setStatus] = useState<Status | ''>('');
  const fetchPage = useCallback(
    (cursor?: string) =>
      api.GET('/users', {
        params: {
          query: { limit: 25, ...(search ? { search } : {}), ...(status ? { status } : {}), ...(cursor ? { cursor } : { page: 1 }) },
        },
      }),
    [search, status],
  );
  // Typing pauses briefly before searching, so one query runs per burst of keys.
  const { rows: users, total, error, more } = usePagedList(fetchPage, 200);

  return (
    <section>
      <h1>Users{total !== undefined && <span className="muted"> ({total})</span>}</h1>
      <div className="filters">
        <input
          aria-label="Search users"
          placeholder="Search name or email"
          value={search}
          onChange={(event) => setSearch(event.target.value)}
        />
        <select aria-label="Status" value={status} onChange={(event) => setStatus(event.target.value as Status | '')}>
          {statuses.map((value) => (
            <option key={value} value={value}>
              {value || 'Any status'}
            </option>
          ))}
        </select>
      </div>
      <ErrorNote message={error} />
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
      <LoadMore more={more} />
    </section>
  );
}
