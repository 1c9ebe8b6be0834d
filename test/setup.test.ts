import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './helpers/app.js';
import { createUser } from './helpers/auth.js';
import { driver } from './helpers/databases.js';

describe(`the first five minutes (${driver})`, () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(() => h.close());

  it('GET /setup tells anyone whether a first admin is needed, and nothing more', async () => {
    const before = await h.app.inject({ method: 'GET', url: '/setup' });
    expect([before.statusCode, before.json()]).toEqual([200, { firstAdminNeeded: true }]);
    await createUser(h);
    expect((await h.app.inject({ method: 'GET', url: '/setup' })).json()).toEqual({ firstAdminNeeded: false });
  });

  it('answers the browser asking for /favicon.ico with an icon', async () => {
    const icon = await h.app.inject({ method: 'GET', url: '/favicon.ico' });
    expect([icon.statusCode, icon.headers['content-type']]).toEqual([200, 'image/svg+xml']);
    expect(icon.body).toMatch(/^<svg /);
  });
});
