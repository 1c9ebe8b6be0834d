import { describe, expect, it } from 'vitest';
import type { Principal } from '../platform/caller.js';
import type { Permission } from '../platform/permissions.js';
import { policyAllows } from './route-policy.js';

const principal = (...permissions: Permission[]): Principal => ({
  userId: 'u',
  sessionId: 's',
  apiKeyId: null,
  organizationId: null,
  roles: [],
  permissions: new Set(permissions),
  crossTenant: false,
});

describe('policyAllows', () => {
  it('denies a route that declares no policy, whoever asks', () => {
    expect(policyAllows(undefined, undefined)).toBe('forbidden');
    expect(policyAllows(undefined, principal('users:read', 'tenants:all'))).toBe('forbidden');
  });

  it('lets anyone through a public route', () => {
    expect(policyAllows('public', undefined)).toBe('allow');
  });

  it('lets anyone through an optional route, signed in or not', () => {
    expect(policyAllows('optional', undefined)).toBe('allow');
    expect(policyAllows('optional', principal())).toBe('allow');
  });

  it('asks for credentials before anything else', () => {
    expect(policyAllows('authenticated', undefined)).toBe('unauthenticated');
    expect(policyAllows({ permission: 'users:read' }, undefined)).toBe('unauthenticated');
  });

  it('lets a caller act on their own record where the route allows it', () => {
    const self = principal();
    expect(policyAllows({ permission: 'users:read', orSelf: true }, self, 'me')).toBe('allow');
    expect(policyAllows({ permission: 'users:read', orSelf: true }, self, 'u')).toBe('allow');
    expect(policyAllows({ permission: 'users:read', orSelf: true }, self, 'someone-else')).toBe('forbidden');
    expect(policyAllows({ permission: 'users:read' }, self, 'me')).toBe('forbidden');
  });

  it('needs exactly the named permission', () => {
    expect(policyAllows('authenticated', principal())).toBe('allow');
    expect(policyAllows({ permission: 'users:read' }, principal('users:read'))).toBe('allow');
    expect(policyAllows({ permission: 'users:write' }, principal('users:read'))).toBe('forbidden');
  });
});
