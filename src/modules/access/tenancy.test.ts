import { describe, expect, it } from 'vitest';
import type { Principal } from '../../platform/caller.js';
import { placementFor } from './tenancy.js';

const actor = (organizationId: string | null, crossTenant: boolean): Principal => ({
  userId: 'actor',
  sessionId: null,
  apiKeyId: null,
  organizationId,
  roles: [],
  permissions: new Set(),
  crossTenant,
});
const refused = () => new Error('outside tenancy');

describe('placementFor', () => {
  it("places a confined actor's record in their organization, and refuses another or none", () => {
    const confined = actor('org-a', false);
    expect(placementFor(confined, undefined, refused)).toBe('org-a');
    expect(placementFor(confined, 'org-a', refused)).toBe('org-a');
    expect(() => placementFor(confined, 'org-b', refused)).toThrow('outside tenancy');
    expect(() => placementFor(confined, null, refused)).toThrow('outside tenancy');
  });

  it("places a cross-tenant actor's record where they name, or with the platform", () => {
    for (const crossTenant of [actor('org-a', true), actor(null, false)]) {
      expect(placementFor(crossTenant, 'org-b', refused)).toBe('org-b');
      expect(placementFor(crossTenant, undefined, refused)).toBeNull();
      expect(placementFor(crossTenant, null, refused)).toBeNull();
    }
  });
});
