import { useCallback, useEffect, useState } from 'react';
import { usePagedList } from './paged.js';
import { ErrorNote, LoadMore } from './parts.js';
import { api } from './session.js';

export function AuditPage() {
  const [chain, setChain] = useState<string>();
  const fetchPage = useCallback(
    (cursor?: string) => api.GET('/audit-logs', { params: { query: { limit: 50, ...(cursor ? { cursor } : {}) } } }),
    [],
  );
  const { rows, error, more } = usePagedList(fetchPage);

  useEffect(() => {
    api.GET('/audit-logs/verify').then(({ data }) => {
      if (data) setChain(data.valid ? `Hash chain intact (${data.checked} rows)` : `Hash chain broken at row ${data.firstBrokenId}`);
    });
  }, []);

  return (
    <section>
      <h1>Audit log</h1>
      {chain && <p className="muted">{chain}</p>}
      <ErrorNote message={error} />
      <table>
        <thead>
          <tr>
            <th>When</th>
            <th>Action</th>
            <th>Entity</th>
            <th>Actor</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.id}>
              <td>{new Date(row.createdAt).toLocaleString()}</td>
              <td>{row.action}</td>
              <td>
                {row.entity} {row.entityId ?? ''}
              </td>
              <td>{row.actorId ?? 'system'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <LoadMore more={more} />
    </section>
  );
}
