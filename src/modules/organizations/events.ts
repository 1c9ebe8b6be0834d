import { Type } from '@sinclair/typebox';
import { Nullable } from '../../http/schemas.js';
import { changes, payload, publicEvent } from '../../platform/events.js';

const State = payload({
  name: Type.String(),
  slug: Type.String(),
  status: Type.String(),
  description: Nullable(Type.String()),
  mfa: Type.Optional(Nullable(Type.String())),
  brandName: Type.Optional(Nullable(Type.String())),
  brandLogoUrl: Type.Optional(Nullable(Type.String())),
  brandPrimaryColor: Type.Optional(Nullable(Type.String())),
});

/** Organizations: public, a consumer mirrors the tenants. */
export const organizationEvents = {
  'organization.created': publicEvent('organization', 1, payload({ name: Type.String(), slug: Type.String() })),
  'organization.updated': publicEvent('organization', 1, changes(State)),
  'organization.deleted': publicEvent('organization', 1),
  // A person's membership (the event's entity is the person; its organization the organization).
  'membership.added': publicEvent(
    'membership',
    1,
    payload({ userId: Type.String(), roles: Type.Array(Type.String()), via: Type.String() }),
  ),
  'membership.updated': publicEvent(
    'membership',
    1,
    payload({ userId: Type.String(), ...changes(payload({ status: Type.String(), roles: Type.Array(Type.String()) })).properties }),
  ),
  'membership.removed': publicEvent('membership', 1, payload({ userId: Type.String() })),
} as const;
