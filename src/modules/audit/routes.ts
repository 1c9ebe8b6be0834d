import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../context.js';
import { badRequest } from '../../http/errors.js';
import { requirePermission } from '../../http/route-policy.js';
import { problems } from '../../http/schemas.js';
import { tenantOf } from '../access/tenancy.js';
import { listAuditRows } from './queries.js';
import { verifyAuditChain } from './service.js';

const tags = ['audit'];
const Timestamp = Type.String({ format: 'date-time' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

const AuditQuery = Type.Object(
  {
    actorId: Type.Optional(Type.String({ format: 'uuid' })),
    entity: Type.Optional(Type.String({ maxLength: 50 })),
    entityId: Type.Optional(Type.String({ maxLength: 64 })),
    action: Type.Optional(Type.String({ maxLength: 50 })),
    from: Type.Optional(Timestamp),
    to: Type.Optional(Timestamp),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(Type.String({ pattern: '^[0-9]{1,18}$' })),
  },
  { additionalProperties: false },
);
const AuditRow = Type.Object({
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
  hash: Type.String(),
  createdAt: Timestamp,
});
const AuditList = Type.Object({ data: Type.Array(AuditRow), nextCursor: Nullable(Type.String()) });
const ChainReport = Type.Object({
  valid: Type.Boolean(),
  checked: Type.Integer(),
  firstBrokenId: Type.Optional(Type.Integer()),
  reason: Type.Optional(Type.String()),
});

/** Seed 003's audit log: filtered, newest first, within the reader's tenancy; and its hash chain check. */
export const auditRoutes: FastifyPluginAsyncTypebox<{ context: AppContext }> = async (app, { context }) => {
  const read = requirePermission('audit:read');
  app.get(
    '/audit-logs',
    { config: read, schema: { tags, querystring: AuditQuery, response: { 200: AuditList, ...problems(400, 401, 403) } } },
    async (request) => {
      const { limit = 50, cursor, from, to, ...filter } = request.query;
      if (from && to && from > to) throw badRequest('INVALID_RANGE', 'from must not be after to.');
      const rows = await listAuditRows(
        context.database.read,
        {
          ...filter,
          organizationId: tenantOf(request.principal!),
          from: from ? new Date(from) : undefined,
          to: to ? new Date(to) : undefined,
          beforeId: cursor ? Number(cursor) : undefined,
        },
        limit,
      );
      const shown = rows.slice(0, limit);
      return {
        data: shown.map(({ prevHash: _prev, createdAt, ...row }) => ({ ...row, createdAt: createdAt.toISOString() })),
        nextCursor: rows.length > limit ? String(shown.at(-1)?.id) : null,
      };
    },
  );

  app.get(
    '/audit-logs/verify',
    {
      config: read,
      schema: {
        tags,
        summary: 'Walk the hash chain; names the first row that does not hold',
        response: { 200: ChainReport, ...problems(401, 403) },
      },
    },
    async () => verifyAuditChain(context.database.primary),
  );
};
