import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { operations } from '../../http/operation.js';
import { publicRoute, requirePermission, signedIn } from '../../http/route-policy.js';
import { problems } from '../../http/schemas.js';
import { pagingErrors } from '../../platform/paging.js';
import { eventCatalog } from '../events.js';
import { organizationErrors } from '../organizations/errors.js';
import { auditErrors as errors } from './errors.js';
import { AuditList, AuditQuery, ChainReport, EventCatalog } from './schemas.js';
import type { AuditService } from './service.js';

const tags = ['audit'];
const operation = operations(tags);

/** The audit log: filtered, newest first, within the reader's tenancy; its hash chain check; and the public event catalogue. */
export const auditRoutes: FastifyPluginAsyncTypebox<{ audit: AuditService }> = async (app, { audit }) => {
  const read = requirePermission('audit:read');
  app.get(
    '/audit-logs',
    operation(read, {
      summary: 'Search the audit log',
      description:
        "Audit rows newest first, filtered by actor, entity, entity id, action and time range, within the reader's organization unless they work across tenants. Page with `limit` and the `cursor` of the previous page. Payloads never hold passwords, tokens or hashes.",
      querystring: AuditQuery,
      response: { 200: AuditList, ...problems(errors.INVALID_RANGE, pagingErrors.INVALID_CURSOR) },
    }),
    async (request) => audit.list(signedIn(request.caller), request.query),
  );
  app.get(
    '/audit-logs/verify',
    operation(read, {
      description:
        "Recomputes each sealed row's hash from its content and the hash before it, so an edited, deleted or reordered row breaks the chain at that row. A row a person's erasure reached (its payload replaced, and on rows their own requests wrote, the IP address and user agent emptied) is counted as erased, not tampered: its link and its digests still hold (only the link where the hash covers what was erased itself: the payload before chain version 2, the IP address and user agent before version 3), and erasures must account for every erased row. Rows written since the last seal are counted, not checked. The chain is the platform's and is verified whole, so only a reader who works across tenants (`tenants:all`) may walk it; a reader confined to one organization is refused (CROSS_TENANT_REQUIRED).",
      summary: 'Walk the sealed hash chain; names the first row that does not hold, counts rows not yet sealed',
      response: { 200: ChainReport, ...problems(organizationErrors.CROSS_TENANT_REQUIRED) },
    }),
    async (request) => audit.verify(signedIn(request.caller)),
  );
  // Public like /openapi.json: it describes the contract, holds no one's data, and an integrator reads it
  // before holding any credential.
  app.get(
    '/events/catalog',
    operation(publicRoute, {
      tags: ['events'],
      summary: 'List the public domain events with their version and payload schema',
      description:
        'The events Tessera publishes (to webhooks, as they arrive): each with its name, version, the entity its `entityId` names and the JSON Schema of its payload. Internal events (sign-ins, sessions, mailed links, credentials) are audited but not listed. No payload carries a password, token, hash or key.',
      response: { 200: EventCatalog },
    }),
    async () => ({ events: eventCatalog() }),
  );
};
