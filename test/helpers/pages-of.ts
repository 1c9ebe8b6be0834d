import { expect } from 'vitest';
import type { Harness } from './app.js';

/**
 * Every page of a cursor-paged list, `limit` items each, following `nextCursor` to the end; also checks that a
 * cursor that is not one of ours answers 400 INVALID_CURSOR.
 */
export async function pagesOf(h: Harness, url: string, headers: Record<string, string>, limit: number) {
  const pages: { id: string }[][] = [];
  let cursor: string | null = null;
  do {
    const separator = url.includes('?') ? '&' : '?';
    const page: string = `${url}${separator}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`;
    const answer = await h.app.inject({ method: 'GET', url: page, headers });
    expect(answer.statusCode, answer.body).toBe(200);
    const body = answer.json();
    pages.push(body.data);
    cursor = body.nextCursor;
  } while (cursor);
  const forged = await h.app.inject({ method: 'GET', url: `${url}${url.includes('?') ? '&' : '?'}cursor=not-ours`, headers });
  expect(forged.statusCode).toBe(400);
  expect(forged.json()).toMatchObject({ code: 'INVALID_CURSOR' });
  return pages;
}
