import { Type } from '@sinclair/typebox';
import { Nullable } from '../../http/schemas.js';
import { changes, payload, publicEvent } from '../../platform/events.js';

const State = payload({
  name: Type.String(),
  slug: Type.String(),
  status: Type.String(),
  description: Nullable(Type.String()),
  mfa: Type.Optional(Nullable(Type.String())),
});

/** Organizations: public, a consumer mirrors the tenants. */
export const organizationEvents = {
  'organization.created': publicEvent('organization', 1, payload({ name: Type.String(), slug: Type.String() })),
  'organization.updated': publicEvent('organization', 1, changes(State)),
  'organization.deleted': publicEvent('organization', 1),
} as const;
