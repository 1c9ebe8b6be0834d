import { describe, expect, it } from 'vitest';
import { changedFields } from './changes.js';

describe('changedFields', () => {
  it('answers nothing when no tracked field changed, whatever the others did', () => {
    expect(changedFields({ name: 'a', other: 1 }, { name: 'a', other: 2 }, ['name'])).toBeUndefined();
  });

  it('keeps only the fields that differ, before and after', () => {
    const changes = changedFields({ name: 'a', slug: 's', mfa: null }, { name: 'b', slug: 's', mfa: 'required' }, ['name', 'slug', 'mfa']);
    expect(changes).toEqual({ before: { name: 'a', mfa: null }, after: { name: 'b', mfa: 'required' } });
  });

  it('compares lists and objects by content, and dates by their instant (recorded as ISO strings)', () => {
    const at = (iso: string) => new Date(iso);
    const before = { scopes: ['openid'], features: { seats: 1 }, due: at('2026-01-01T00:00:00Z') };
    expect(
      changedFields(before, { scopes: ['openid'], features: { seats: 1 }, due: at('2026-01-01T00:00:00Z') }, ['scopes', 'features', 'due']),
    ).toBeUndefined();
    expect(
      changedFields(before, { ...before, scopes: ['openid', 'email'], due: at('2026-02-01T00:00:00Z') }, ['scopes', 'features', 'due']),
    ).toEqual({
      before: { scopes: ['openid'], due: '2026-01-01T00:00:00.000Z' },
      after: { scopes: ['openid', 'email'], due: '2026-02-01T00:00:00.000Z' },
    });
  });
});
