import type { FastifyRequest } from 'fastify';

/** Who is asking and from where, as the audit log records it. */
export function requestMeta(request: FastifyRequest) {
  return {
    actorId: request.principal?.userId ?? null,
    organizationId: request.principal?.organizationId ?? null,
    ipAddress: request.ip ?? null,
    userAgent: request.headers['user-agent']?.slice(0, 500) ?? null,
    requestId: request.id,
  };
}
