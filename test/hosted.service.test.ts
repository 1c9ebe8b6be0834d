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
    pendingPages.register({
      name: 'mfaRequired',
      matches: (answer) => answer.mfaRequired === true,
      location: (answer, returnTo) => withReturnTo(`/sign-in/second-factor?token=${String(answer.mfaToken)}`, returnTo),
    });
    const mfa = { mfaRequired: true, mfaToken: 'xyz' } as unknown as PendingAnswer;
    expect(pendingPages.locate(mfa, undefined)).toBe('/sign-in/second-factor?token=xyz');
    expect(() => pendingPages.register({ name: 'mfaRequired', matches: () => false, location: () => '/' })).toThrow(/already registered/);
    expect(() => pendingPages.locate({ somethingElse: true } as unknown as PendingAnswer, undefined)).toThrow(/no hosted page/);
  });
});
