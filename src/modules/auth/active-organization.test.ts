import { describe, expect, it } from 'vitest';
import { activeOrganization } from './active-organization.js';

const a = '0190a000-0000-7000-8000-00000000000a';
const b = '0190a000-0000-7000-8000-00000000000b';
const held = (id: string, status: 'ACTIVE' | 'SUSPENDED' = 'ACTIVE') => ({ id, name: id, slug: id, status });

describe('activeOrganization', () => {
  it('acts in the organization asked for while its membership is active', () => {
    expect(activeOrganization(b, { defaultOrganizationId: a, memberships: [held(a), held(b)] })).toEqual({ id: b, scope: b });
  });
  it('falls back to the default organization when the membership asked for is gone or suspended', () => {
    expect(activeOrganization(b, { defaultOrganizationId: a, memberships: [held(a)] })).toEqual({ id: a, scope: a });
    expect(activeOrganization(b, { defaultOrganizationId: a, memberships: [held(a), held(b, 'SUSPENDED')] })).toEqual({ id: a, scope: a });
  });
  it('keeps a suspended default organization confined, with platform-wide grants only', () => {
    expect(activeOrganization(a, { defaultOrganizationId: a, memberships: [held(a, 'SUSPENDED')] })).toEqual({ id: a, scope: null });
  });
  it('stays confined to the organization asked for when no membership is left anywhere', () => {
    expect(activeOrganization(b, { defaultOrganizationId: null, memberships: [] })).toEqual({ id: b, scope: null });
    expect(activeOrganization(null, { defaultOrganizationId: null, memberships: [] })).toEqual({ id: null, scope: null });
  });
  it('counts a default organization placed before memberships existed', () => {
    expect(activeOrganization(null, { defaultOrganizationId: a, memberships: [] })).toEqual({ id: a, scope: a });
  });
});
