import { useEffect, useState } from 'react';
import { api } from './session.js';

type AuditList = NonNullable<Awaited<ReturnType<typeof listAudit>>['data']>;

function listAudit(cursor?: string) {
  return api.GET('/audit-logs', { params: { query: { limit: 50, ...(cursor ? { cursor } : {}) } } });
}

export function AuditPage() {
  const [rows, setRows] = useState<AuditList['data']>([]);
  const [nextCursor, setNextCursor] = useState<string | undefined>();
  const [chain, setChain] = useState<string>();

  useEffect(() => {
    listAudit().then(({ data }) => {
      if (!data) return;
      setRows(data.data);
      setNextCursor(data.nextCursor ?? undefined);
    });
    api.GET('/audit-logs/verify').then(({ data }) => {
      if (data) setChain(data.valid ? `Hash chain intact (${data.checked} rows)` : `Hash chain broken at row ${data.firstBrokenId}`);
    });
  }, []);

  async function more() {
    const { data } = await listAudit(nextCursor);
    if (!data) return;
    setRows((shown) => [...shown, ...data.data]);
    setNextCursor(data.nextCursor ?? undefined);
  }

  return (
    <section>
      <h1>Audit log</h1>
      {chain && <p className="muted">{chain}</p>}
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
      {nextCursor && (
        <button type="button" onClick={more}>
          Load more
        </button>
      )}
    </section>
  );
}
