import { describe, expect, it } from 'vitest';
import { bearerToken } from './bearer.js';

describe('bearerToken', () => {
  it('reads the token whatever the case of the scheme', () => {
    for (const header of ['Bearer abc.def', 'bearer abc.def', 'BEARER  abc.def ']) expect(bearerToken(header)).toBe('abc.def');
  });

  it('reads nothing from another scheme, a scheme without its space, or no header', () => {
    for (const header of ['Basic dXNlcjpwYXNz', 'Bearerabc', 'xBearer abc', undefined]) expect(bearerToken(header)).toBeUndefined();
  });
});
