import { useCallback, useEffect, useState } from 'react';

interface Page<T> {
  data: T[];
  total?: number | null;
  nextCursor?: string | null;
}

type Fetch<T> = (cursor?: string) => Promise<{ data?: Page<T>; error?: unknown }>;

/**
 * A list read page by page through the API's opaque cursor: the first page reloads whenever `fetchPage`
 * changes (new filters), `more` appends the next one.
 */
export function usePagedList<T>(fetchPage: Fetch<T>, delayMs = 0) {
  const [rows, setRows] = useState<T[]>([]);
  const [total, setTotal] = useState<number | undefined>();
  const [nextCursor, setNextCursor] = useState<string | undefined>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    const timer = setTimeout(async () => {
      const { data, error: failure } = await fetchPage();
      if (!data) return setError((failure as { detail?: string } | undefined)?.detail ?? 'Could not load the list.');
      setError(undefined);
      setRows(data.data);
      setTotal(data.total ?? undefined);
      setNextCursor(data.nextCursor ?? undefined);
    }, delayMs);
    return () => clearTimeout(timer);
  }, [fetchPage, delayMs]);

  const more = useCallback(async () => {
    const { data } = await fetchPage(nextCursor);
    if (!data) return;
    setRows((shown) => [...shown, ...data.data]);
    setNextCursor(data.nextCursor ?? undefined);
  }, [fetchPage, nextCursor]);

  return { rows, total, error, more: nextCursor ? more : undefined };
}
