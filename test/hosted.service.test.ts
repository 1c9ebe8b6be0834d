import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PendingAnswer } from '../src/modules/hosted/service.js';
import { safeReturnTo, withReturnTo } from '../src/modules/hosted/service.js';
import { createHarness, type Harness } from './helpers/app.js';

describe('hosted pages: return_to', () => {
  it.each(['/account', '/oidc/interaction/abc?x=1', '/a/b#c'])('keeps the same-origin path %s', (path) => {
    expect(safeReturnTo(path)).toBe(path);
  });
  it.each([
    'https://evil.example/',
    '//evil.example/x',
    '/\\evil.example',
    'javascript:alert(1)',
    'account',
    '/x\r\nSet-Cookie: a=b',
    '/\tevil',
    '',
    42,
    undefined,
  ])('ignores %j', (value) => {
    expect(safeReturnTo(value)).toBeUndefined();
  });
  it('carries return_to on a page path', () => {
    expect(withReturnTo('/change-password?token=t', '/a?b=1')).toBe('/change-password?token=t&return_to=%2Fa%3Fb%3D1');
    expect(withReturnTo('/sign-in', undefined)).toBe('/sign-in');
  });
});

describe('hosted pages: pending states', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(async () => h?.close());

  it('maps the password change to its page and takes new states without editing a switch', () => {
    const { pendingPages } = h.app.modules.hosted;
    expect(pendingPages.names()).toContain('passwordChangeRequired');
    expect(pendingPages.locate({ passwordChangeRequired: true, changeToken: 'abc' }, '/next')).toBe(
      '/change-password?token=abc&return_to=%2Fnext',
    );
    // The second factor's page came the same way, from the mfa module.
    expect(pendingPages.names()).toContain('mfaRequired');
    expect(pendingPages.locate({ mfaRequired: true, mfaToken: 'xyz' } as unknown as PendingAnswer, undefined)).toBe(
      '/sign-in/second-factor?token=xyz',
    );
    pendingPages.register({
      name: 'organizationChoiceRequired',
      matches: (answer) => answer.organizationChoiceRequired === true,
      location: (answer, returnTo) => withReturnTo(`/sign-in/organization?token=${String(answer.choiceToken)}`, returnTo),
    });
    const choice = { organizationChoiceRequired: true, choiceToken: 'xyz' } as unknown as PendingAnswer;
    expect(pendingPages.locate(choice, '/next')).toBe('/sign-in/organization?token=xyz&return_to=%2Fnext');
    expect(() => pendingPages.register({ name: 'mfaRequired', matches: () => false, location: () => '/' })).toThrow(/already registered/);
    expect(() => pendingPages.locate({ somethingElse: true } as unknown as PendingAnswer, undefined)).toThrow(/no hosted page/);
  });
});

describe('self-registration turned off', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ config: { SELF_REGISTRATION: 'false' } });
  });
  afterAll(async () => h?.close());

  it('closes the sign-up page and the API alike, and the sign-in page offers no sign-up', async () => {
    const page = await h.app.inject({ method: 'GET', url: '/sign-up' });
    expect(page.statusCode).toBe(403);
    expect(page.body).toContain('Sign-up is closed');
    const posted = await h.app.inject({
      method: 'POST',
      url: '/sign-up',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
      payload: new URLSearchParams({
        csrf: 'anonymous',
        firstName: 'A',
        lastName: 'B',
        email: 'closed@example.com',
        password: 'a long enough passphrase',
      }).toString(),
    });
    expect(posted.statusCode).toBe(403);
    const api = await h.app.inject({
      method: 'POST',
      url: '/auth/register',
      payload: { email: 'closed@example.com', password: 'a long enough passphrase' },
    });
    expect(api.statusCode).toBe(403);
    expect(api.json().code).toBe('REGISTRATION_CLOSED');
    expect((await h.app.inject({ method: 'GET', url: '/sign-in' })).body).not.toContain('/sign-up');
  });
});
