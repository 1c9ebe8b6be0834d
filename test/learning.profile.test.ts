import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './helpers/app.js';
import { loginAs } from './helpers/auth.js';

// The profile's validation: one clear 400 naming the field for each bad value.
describe('profile validation', () => {
  let h: Harness;
  let me: Awaited<ReturnType<typeof loginAs>>;
  beforeAll(async () => {
    h = await createHarness({ config: { AUTH_RATE_LIMIT_PER_MINUTE: '100000' } });
    me = await loginAs(h);
  });
  afterAll(() => h.close());

  const update = (profile: object) => h.app.inject({ method: 'PUT', url: '/users/profile', headers: me.headers, payload: { profile } });

  it('refuses a bad phone, URL, timezone or language with a 400 naming that field', async () => {
    for (const [field, value] of [
      ['phoneNumber', '+1 415 555 2671'],
      ['phoneNumber', '+10000000000'],
      ['linkedinUrl', 'javascript:alert(1)'],
      ['twitterUrl', 'ftp://x.com/ada'],
      ['websiteUrl', 'example.com'],
      ['timezone', 'Mars/Olympus_Mons'],
      ['language', 'english'],
    ] as const) {
      const res = await update({ [field]: value });
      expect([field, value, res.statusCode, res.json().code]).toEqual([field, value, 400, 'VALIDATION_FAILED']);
      const errors = res.json().errors as { path: string; message: string }[];
      expect(new Set(errors.map((error) => error.path))).toEqual(new Set([`/profile/${field}`]));
      expect(errors.map((error) => error.message)).toContainEqual(expect.stringMatching(/^must match format "[a-z0-9-]+"$/));
    }
  });

  it('accepts good values and shows them back', async () => {
    const profile = {
      phoneNumber: '+33612345678',
      linkedinUrl: 'https://www.linkedin.com/in/ada',
      twitterUrl: 'https://x.com/ada',
      websiteUrl: 'http://ada.example.org/',
      timezone: 'America/Argentina/Buenos_Aires',
      language: 'pt-BR',
    };
    const res = await update(profile);
    expect(res.statusCode).toBe(200);
    expect(res.json().profile).toMatchObject(profile);
    expect((await update({ phoneNumber: null, websiteUrl: null })).json().profile).toMatchObject({ phoneNumber: null, websiteUrl: null });
    const openapi = (await h.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(JSON.stringify(openapi)).toContain('"format":"iana-timezone"');
  });
});
