import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DatabaseWaitTimeoutError } from '../db/client.js';
import { AppError, type FieldError, toCode, unavailable } from './errors.js';

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

interface PgLikeError {
  code?: string;
  constraint?: string;
  detail?: string;
  message?: string;
  cause?: unknown;
}

/** drizzle wraps driver errors; the Postgres code sits somewhere down the cause chain. */
function findDatabaseError(error: unknown): PgLikeError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const candidate = current as PgLikeError;
    if (typeof candidate.code === 'string' && /^[0-9A-Z]{5}$/.test(candidate.code)) return candidate;
    if (typeof candidate.code === 'string' && /^E[A-Z]+$/.test(candidate.code)) return candidate;
    current = candidate.cause;
  }
  return undefined;
}

const connectionFailure =
  /Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED|Client has encountered a connection error/i;

function isConnectionFailure(error: unknown, dbError: PgLikeError | undefined): boolean {
  if (dbError?.code && ['ECONNREFUSED', 'ENOTFOUND', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH'].includes(dbError.code)) return true;
  if (dbError?.code?.startsWith('08') || dbError?.code === '57P01' || dbError?.code === '57P03') return true;
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (current instanceof DatabaseWaitTimeoutError || connectionFailure.test(current.message)) return true;
    current = current.cause;
  }
  return false;
}

/** "Key (lower(username::text))=(x) already exists." → `username`: the field a unique violation is about. */
function violatedField(dbError: PgLikeError): string {
  const columns = /Key \((.+)\)=\(/.exec(dbError.detail ?? '')?.[1] ?? '';
  const names = columns.replace(/::\w+/g, '').match(/[a-z_]+(?=\)*(,|$))/g) ?? [];
  return names[names.length - 1] ?? 'value';
}

/** Maps anything thrown to the AppError a client should see. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    // A field the endpoint does not accept is refused by name (no silent mass assignment).
    const notAllowed = fastifyError.validation
      .map((issue) => (issue.params as { additionalProperty?: string }).additionalProperty)
      .filter((field): field is string => typeof field === 'string');
    if (notAllowed.length > 0) {
      const fields = [...new Set(notAllowed)];
      return new AppError(400, 'FIELD_NOT_ALLOWED', `Not allowed here: ${fields.join(', ')}.`, {
        errors: fields.map((field) => ({ path: `/${field}`, message: 'cannot be set here' })),
      });
    }
    const errors: FieldError[] = fastifyError.validation.map((issue) => ({
      path: issue.instancePath || `/${(issue.params as { missingProperty?: string }).missingProperty ?? ''}`,
      message: issue.message ?? 'is invalid',
    }));
    return new AppError(400, 'VALIDATION_FAILED', fastifyError.message, { errors });
  }
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError(400, 'MALFORMED_JSON', 'The request body is not valid JSON.');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_REQ_FILE_TOO_LARGE':
      return new AppError(413, 'BODY_TOO_LARGE', 'The request body is too large.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', 'This content type is not accepted here.');
  }
  const dbError = findDatabaseError(error);
  if (dbError?.code === '23505') {
    const field = violatedField(dbError);
    return new AppError(409, `${toCode(field)}_ALREADY_EXISTS`, `A record with this ${field} already exists.`);
  }
  if (dbError?.code === '23503') return new AppError(409, 'REFERENCE_CONFLICT', 'A referenced record does not exist or is still in use.');
  if (dbError?.code === '22P02' || dbError?.code === '22007' || dbError?.code === '22008') {
    return new AppError(400, 'INVALID_VALUE', 'A value in the request has the wrong format.');
  }
  if (isConnectionFailure(error, dbError)) return unavailable('DATABASE_UNAVAILABLE', 'The database cannot be reached.', error);
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return new AppError(fastifyError.statusCode, toCode(fastifyError.code ?? 'BAD_REQUEST'), fastifyError.message);
  }
  return new AppError(500, 'INTERNAL_ERROR', 'Something went wrong on our side.', { cause: error });
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, appError: AppError) {
  if (appError.extra.retryAfterSeconds !== undefined) reply.header('retry-after', String(appError.extra.retryAfterSeconds));
  const detail = appError.status >= 500 && appError.status !== 503 ? `${appError.detail} Reference: ${request.id}.` : appError.detail;
  return reply
    .status(appError.status)
    .type('application/problem+json')
    .send({
      type: `https://tessera.dev/problems/${appError.code.toLowerCase().replaceAll('_', '-')}`,
      title: titles[appError.status] ?? 'Error',
      status: appError.status,
      detail,
      code: appError.code,
      instance: request.url.split('?')[0],
      ...(appError.extra.errors ? { errors: appError.extra.errors } : {}),
    });
}

/** The one place errors become HTTP answers (RFC 9457). */
export function registerProblemHandlers(app: FastifyInstance) {
  app.setErrorHandler((error, request, reply) => {
    const appError = toAppError(error);
    if (appError.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: appError.code }, 'request refused');
    return sendProblem(request, reply, appError);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(request, reply, new AppError(404, 'ROUTE_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}.`)),
  );
}
