import { type Static, Type } from '@sinclair/typebox';
import { Nullable, Timestamp, Uuid } from '../../http/schemas.js';
import { Paged, pageQuery } from '../../platform/paging.js';

export const AuditQuery = Type.Object(
  {
    actorId: Type.Optional(Uuid),
    entity: Type.Optional(Type.String({ maxLength: 50, description: 'user, role, organization … (case-insensitive)' })),
    entityId: Type.Optional(Type.String({ maxLength: 64 })),
    action: Type.Optional(Type.String({ maxLength: 50 })),
    from: Type.Optional(Timestamp),
    to: Type.Optional(Timestamp),
    ...pageQuery({ max: 200, fallback: 50 }),
  },
  { additionalProperties: false },
);
export const AuditRowView = Type.Object({
  id: Type.Integer(),
  actorId: Nullable(Type.String()),
  organizationId: Nullable(Type.String()),
  action: Type.String(),
  entity: Type.String(),
  entityId: Nullable(Type.String()),
  payload: Type.Unknown(),
  ipAddress: Nullable(Type.String()),
  userAgent: Nullable(Type.String()),
  requestId: Nullable(Type.String()),
  hash: Nullable(Type.String({ description: 'null until the sealer has linked the row into the hash chain (seconds)' })),
  createdAt: Timestamp,
});
export const AuditList = Paged(AuditRowView);
export const ChainReport = Type.Object({
  valid: Type.Boolean(),
  /** Sealed rows found intact (before the broken one, if any). */
  checked: Type.Integer(),
  /** Rows written but not yet linked into the chain: not tamper-evident until the sealer reaches them. */
  unsealed: Type.Integer(),
  erased: Type.Integer({
    description:
      'Sealed rows checked that a person\'s erasure reached: their payload replaced with {"erased": true}, and on rows their own requests wrote, the IP address and user agent emptied. Erased, not tampered: their link, and the digests of chain versions 2 (payload) and 3 (IP address and user agent), still hold',
  }),
  erasedLinkOnly: Type.Integer({
    description:
      'Of the erased rows, those whose hash covers what was erased itself (the payload before chain version 2, the IP address and user agent before version 3): only their place in the chain can still be checked',
  }),
  firstBrokenId: Type.Optional(
    Type.Integer({ description: 'The first row that does not hold; absent when erased payloads are not accounted for' }),
  ),
  reason: Type.Optional(Type.String()),
});

export type AuditQuery = Static<typeof AuditQuery>;
export type ChainReport = Static<typeof ChainReport>;

export const EventCatalog = Type.Object({
  events: Type.Array(
    Type.Object({
      type: Type.String({ description: 'The event name, as the audit log records it in `action`' }),
      version: Type.Integer({ minimum: 1, description: 'Bumped when the payload changes incompatibly' }),
      entity: Type.String({ description: 'What `entityId` names (user, role, organization …)' }),
      payload: Type.Unknown({ description: "The payload's JSON Schema; null when the event carries none" }),
      data: Type.Unknown({
        description:
          "The JSON Schema of a webhook delivery's `data`: the entity's `id` and `version`, its `organizationId`, then the payload",
      }),
    }),
  ),
});
