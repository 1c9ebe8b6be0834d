import { describe, expect, it } from 'vitest';
import { operationIdOf, securityOf } from './openapi.js';

describe('operationIdOf', () => {
  it('names an operation by its method and words, a collection in the singular where one of it is addressed', () => {
    expect(operationIdOf('GET', '/users')).toBe('getUsers');
    expect(operationIdOf('GET', '/users/:id/goals/:goalId')).toBe('getUserGoal');
    expect(operationIdOf('POST', '/users/:id/activities')).toBe('postUserActivities');
    expect(operationIdOf('DELETE', '/identity-providers/:id')).toBe('deleteIdentityProvider');
    expect(operationIdOf('PATCH', '/user-types/:id')).toBe('patchUserType');
    expect(operationIdOf('GET', '/.well-known/jwks.json')).toBe('getWellKnownJwksJson');
    expect(operationIdOf('DELETE', '/users/:id/identities/:identityId')).toBe('deleteUserIdentity');
  });
});

describe('securityOf', () => {
  it('asks nothing of a public route, either credential behind a policy, and either or none where credentials are optional', () => {
    expect(securityOf('public')).toEqual([]);
    expect(securityOf('authenticated')).toEqual([{ bearerAuth: [] }, { apiKey: [] }]);
    expect(securityOf({ permission: 'users:read', orSelf: true })).toEqual([{ bearerAuth: [] }, { apiKey: [] }]);
    expect(securityOf('optional')).toEqual([{}, { bearerAuth: [] }, { apiKey: [] }]);
  });
});
