import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from './helpers/app.js';
import { harnessWithAdmin, loginAs } from './helpers/auth.js';

const jsonl = (rows: object[]) => `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`;

describe('imports in the background: POST /users/import/jobs and its progress', () => {
  let h: Harness;
  let admin: Awaited<ReturnType<typeof loginAs>>;
  beforeAll(async () => {
    ({ h, admin } = await harnessWithAdmin());
  });
  afterAll(() => h.close());

  const start = (body: string, query = '') =>
    h.app.inject({
      method: 'POST',
      url: `/users/import/jobs${query}`,
      headers: { ...admin.headers, 'content-type': 'application/x-ndjson' },
      payload: body,
    });
  const read = (id: string, headers = admin.headers) => h.app.inject({ url: `/users/import/jobs/${id}`, headers });

  /** Polls the job until it is no longer running. */
  async function finished(id: string) {
    for (;;) {
      const job = (await read(id)).json();
      if (job.status !== 'running') return job;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('answers 202 with the job, which runs through checking and importing to its summary', async () => {
    const rows = Array.from({ length: 1500 }, (_, index) => ({ email: `bulk${index}@example.com`, firstName: 'Bulk' }));
    const started = await start(jsonl(rows));
    expect(started.statusCode, started.body).toBe(202);
    expect(started.json()).toMatchObject({ status: 'running', phase: 'checking', summary: null });
    const job = await finished(started.json().id);
    expect(job).toMatchObject({ status: 'done', phase: null, done: 1500, total: 1500, error: null });
    expect(job.summary).toMatchObject({ created: 1500, failed: 0, rejected: false });
    const listed = await h.app.inject({ url: '/users?search=bulk1499', headers: admin.headers });
    expect(listed.json().data.map((user: { email: string }) => user.email)).toEqual(['bulk1499@example.com']);
  });

  it('reports a file with invalid lines as rejected, with each line, and nothing written', async () => {
    const started = await start(jsonl([{ email: 'fine@example.com' }, { email: 'not-an-email' }]));
    const job = await finished(started.json().id);
    expect(job.summary).toMatchObject({ rejected: true, created: 0, failed: 1, errors: [expect.objectContaining({ line: 2 })] });
    expect((await h.app.inject({ url: '/users?search=fine@example.com', headers: admin.headers })).json().data).toEqual([]);
  });

  it("keeps a job's progress to the person who started it", async () => {
    const started = await start(jsonl([{ email: 'mine.only@example.com' }]));
    const other = await loginAs(h, { roles: ['admin'] });
    expect((await read(started.json().id, other.headers)).json().code).toBe('IMPORT_NOT_FOUND');
    await finished(started.json().id);
  });
});
