import { describe, expect, it } from 'vitest';
import { meetsAcr, requiredAcr } from './acr.js';

describe('acr values an application asks for', () => {
  it('needs the weakest known value named, from acr_values or an essential acr claim', () => {
    expect(requiredAcr({})).toBeUndefined();
    expect(requiredAcr({ acr_values: 'aal2' })).toBe('aal2');
    expect(requiredAcr({ acr_values: 'aal2 aal1' })).toBe('aal1');
    expect(requiredAcr({ acr_values: 'urn:unknown aal2' })).toBe('aal2');
    expect(requiredAcr({ acr_values: 'urn:unknown' })).toBeUndefined();
    expect(requiredAcr({ claims: JSON.stringify({ id_token: { acr: { essential: true, value: 'aal2' } } }) })).toBe('aal2');
    expect(requiredAcr({ claims: JSON.stringify({ id_token: { acr: { essential: true, values: ['aal1', 'aal2'] } } }) })).toBe('aal1');
    expect(requiredAcr({ claims: JSON.stringify({ id_token: { acr: { values: ['aal2'] } } }) })).toBeUndefined();
    expect(requiredAcr({ claims: '{not json' })).toBeUndefined();
  });

  it('is met by a sign-in at least as strong', () => {
    expect(meetsAcr(['pwd'], undefined)).toBe(true);
    expect(meetsAcr(['pwd'], 'aal1')).toBe(true);
    expect(meetsAcr(['pwd'], 'aal2')).toBe(false);
    expect(meetsAcr(['fed'], 'aal2')).toBe(false);
    expect(meetsAcr(['pwd', 'otp', 'mfa'], 'aal2')).toBe(true);
    expect(meetsAcr(['hwk'], 'aal2')).toBe(true);
    expect(meetsAcr(['pwd', 'otp', 'mfa'], 'aal1')).toBe(true);
  });
});
