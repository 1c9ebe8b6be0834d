import type autocannon from 'autocannon';

/**
 * A request that follows a list's keyset cursor: each answer's `nextCursor` is queued and a later request (on
 * any connection) asks for that page, so the load walks ever deeper into the list; with no cursor waiting it asks
 * for the first page. `path` has a query string already (`/users?limit=20`); `startAt` seeds the queue.
 */
export function cursorPages(path: string, headers: Record<string, string>, startAt: string[] = []): autocannon.Request {
  const cursors = [...startAt];
  return {
    method: 'GET',
    headers,
    setupRequest: (request) => {
      const cursor = cursors.shift();
      return { ...request, path: `${path}${cursor ? `&cursor=${cursor}` : ''}` };
    },
    onResponse: (status, body) => {
      const nextCursor = status === 200 ? (JSON.parse(body) as { nextCursor: string | null }).nextCursor : null;
      if (nextCursor) cursors.push(nextCursor);
    },
  };
}
