import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ConnectionError, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DatabaseWaitTimeoutError } from '../db/client.js';
import { type DatabaseError, findDatabaseError, violatedUniqueConstraint } from '../db/errors.js';
import { AppError, type ErrorFactory, type FieldError, httpErrors, MAX_FIELD_ERRORS } from './errors.js';
import { trackServedMethods } from './served-methods.js';

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Payload Too Large',
  406: 'Not Acceptable',
  415: 'Unsupported Media Type',
  416: 'Range Not Satisfiable',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

const connectionFailure =
  /Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED|Client has encountered a connection error/i;

function isConnectionFailure(error: unknown, dbError: DatabaseError | undefined): boolean {
  if (dbError?.code && ['ECONNREFUSED', 'ENOTFOUND', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH'].includes(dbError.code)) return true;
  // 57014: the server cancelled a statement that outlived DB_STATEMENT_TIMEOUT (a lock held too long, an overloaded server).
  if (dbError?.code?.startsWith('08') || ['57P01', '57P03', '57014'].includes(dbError?.code ?? '')) return true;
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (current instanceof DatabaseWaitTimeoutError || connectionFailure.test(current.message)) return true;
    current = current.cause;
  }
  return false;
}

/**
 * The problem a unique violation answers, by the name of the constraint it ran into (the unique indexes and
 * constraints of src/db/schema): the value a client can change to succeed. Every unique index is listed here or
 * in `genericConstraints` (src/http/problem.test.ts checks), so a new one is a decision, not a guess.
 */
export const constraintProblems: Record<string, ErrorFactory> = {
  users_email_unique: httpErrors.EMAIL_ALREADY_EXISTS,
  users_username_unique: httpErrors.USERNAME_ALREADY_EXISTS,
  users_phone_unique: httpErrors.PHONE_ALREADY_EXISTS,
  roles_name_unique: httpErrors.NAME_ALREADY_EXISTS,
  permissions_name_unique: httpErrors.NAME_ALREADY_EXISTS,
  user_types_name_unique: httpErrors.NAME_ALREADY_EXISTS,
  subscription_plans_name_unique: httpErrors.NAME_ALREADY_EXISTS,
  organizations_slug_unique: httpErrors.SLUG_ALREADY_EXISTS,
  identity_providers_slug_unique: httpErrors.SLUG_ALREADY_EXISTS,
};

/**
 * Unique indexes that answer the generic ALREADY_EXISTS: one row per user (the service finds or updates it),
 * hashes of random secrets, the audit chain's sequence, and uniques whose service answers its own code first
 * (a skill's name, a pending invitation, a linked identity). Reaching one from a request is a race, not a
 * value the client chose.
 */
export const genericConstraints = [
  'subscriptions_user_id_unique',
  'profiles_user_id_unique',
  'learning_preferences_user_id_unique',
  'learning_stats_user_id_unique',
  'refresh_tokens_token_hash_unique',
  'one_time_tokens_token_hash_unique',
  'api_keys_key_hash_unique',
  'oauth_flows_state_hash_unique',
  'oauth_codes_code_hash_unique',
  'user_invitations_token_hash_unique',
  'user_invitations_pending_unique',
  'user_invitations_pending_setup_unique',
  'user_identities_provider_subject_unique',
  'user_skills_user_name_unique',
  'audit_logs_seq_unique',
  // A grant held twice in one scope, a membership twice: the services find the held one first.
  'user_roles_scope_unique',
  'user_permissions_scope_unique',
  // Random values: a passkey's credential id, a challenge's or remembered device's token hash, a client id.
  'mfa_factors_credential_id_unique',
  'mfa_challenges_token_hash_unique',
  'mfa_remembered_devices_token_hash_unique',
  'applications_client_id_unique',
];

/** A unique violation's problem: the constraint's declared code, else the generic 409. */
const uniqueViolationProblem = (constraint: string) => (constraintProblems[constraint] ?? httpErrors.ALREADY_EXISTS)();

/** Fastify's and its plugins' own errors, in our words (their codes and messages never reach a client). */
const frameworkErrors: Record<string, ErrorFactory> = {
  FST_ERR_CTP_INVALID_JSON_BODY: httpErrors.MALFORMED_JSON,
  FST_ERR_CTP_EMPTY_JSON_BODY: httpErrors.MALFORMED_JSON,
  FST_PROTO_VIOLATION: httpErrors.MALFORMED_JSON,
  FST_ERR_CTP_BODY_TOO_LARGE: httpErrors.BODY_TOO_LARGE,
  FST_REQ_FILE_TOO_LARGE: httpErrors.BODY_TOO_LARGE,
  FST_PARTS_LIMIT: httpErrors.BODY_TOO_LARGE,
  FST_FILES_LIMIT: httpErrors.BODY_TOO_LARGE,
  FST_FIELDS_LIMIT: httpErrors.BODY_TOO_LARGE,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: httpErrors.UNSUPPORTED_MEDIA_TYPE,
  FST_INVALID_MULTIPART_CONTENT_TYPE: httpErrors.UNSUPPORTED_MEDIA_TYPE,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: httpErrors.MALFORMED_REQUEST,
  FST_ERR_CTP_INVALID_TYPE: httpErrors.MALFORMED_REQUEST,
  FST_ERR_BAD_URL: httpErrors.MALFORMED_REQUEST,
  FST_ERR_MAX_PARAM_LENGTH: httpErrors.ROUTE_NOT_FOUND,
  FST_ERR_ASYNC_CONSTRAINT: httpErrors.MALFORMED_REQUEST,
};

/** A plugin's own refusals whose status says something a client acts on, kept as our codes of that status. */
const keptStatuses: Record<number, ErrorFactory> = {
  412: httpErrors.PRECONDITION_FAILED,
  416: httpErrors.RANGE_NOT_SATISFIABLE,
};

/**
 * The headers a refusal's status calls for, from the plugin's error: 416's Content-Range (the file's length, RFC 9110
 * §15.5.17), which says how long the file is. Fastify applies an error's headers only without an error handler of ours.
 */
function headersOfRefusal(error: unknown, appError: AppError, reply: FastifyReply) {
  if (appError.code !== httpErrors.RANGE_NOT_SATISFIABLE.code) return;
  const range = (error as { headers?: Record<string, unknown> }).headers?.['Content-Range'];
  if (typeof range === 'string') reply.header('content-range', range);
}

/** The first of many, and how many were left out: "a, b, c and 997 more". */
function listed(items: string[]): string {
  const shown = items.slice(0, MAX_FIELD_ERRORS).join(', ');
  return items.length > MAX_FIELD_ERRORS ? `${shown} and ${items.length - MAX_FIELD_ERRORS} more` : shown;
}

function validationError(fastifyError: FastifyError): AppError {
  const issues = fastifyError.validation ?? [];
  // A field the endpoint does not accept is refused by name (no silent mass assignment).
  const notAllowed = issues
    .map((issue) => ({ at: issue.instancePath, field: (issue.params as { additionalProperty?: string }).additionalProperty }))
    .filter((issue): issue is { at: string; field: string } => typeof issue.field === 'string');
  if (notAllowed.length > 0) {
    // Named where they stand (`/profile/userId` inside a nested object), each once.
    const paths = [...new Set(notAllowed.map(({ at, field }) => `${at}/${field}`))];
    const fields = [...new Set(notAllowed.map(({ field }) => field))];
    return httpErrors.FIELD_NOT_ALLOWED({
      detail: `Not allowed here: ${listed(fields)}.`,
      errors: paths.slice(0, MAX_FIELD_ERRORS).map((path) => ({ path, message: 'cannot be set here' })),
    });
  }
  const errors: FieldError[] = issues.map((issue) => ({
    path: issue.instancePath || `/${(issue.params as { missingProperty?: string }).missingProperty ?? ''}`,
    message: issue.message ?? 'is invalid',
  }));
  const detail =
    issues.length > MAX_FIELD_ERRORS
      ? `The request is invalid in ${issues.length} places: ${listed(errors.map((error) => error.path))}.`
      : fastifyError.message;
  return httpErrors.VALIDATION_FAILED({ detail, errors: errors.slice(0, MAX_FIELD_ERRORS) });
}

/** `organization_id` → `organizationId`: the field a client sent, as the column PostgreSQL names. */
const fieldOfColumn = (column: string) => column.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase());

/**
 * A foreign key's refusal, naming the field when the row it names does not exist (PostgreSQL's detail: `Key
 * (organization_id)=(…) is not present in table "organizations"`); a row still referenced keeps the generic words.
 */
function referenceProblem(dbError: DatabaseError) {
  const missing = /^Key \((\w+)\)=\(.*\) is not present in table "(\w+)"/.exec(dbError.detail ?? '');
  if (!missing) return httpErrors.REFERENCE_CONFLICT();
  const [, column = '', table = ''] = missing;
  return httpErrors.REFERENCE_CONFLICT({ detail: `${fieldOfColumn(column)} names no row of ${table}.` });
}

/** Maps anything thrown to the AppError a client should see. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) return validationError(fastifyError);
  const framework = fastifyError.code ? frameworkErrors[fastifyError.code] : undefined;
  if (framework) return framework({ cause: error });
  const dbError = findDatabaseError(error);
  const constraint = violatedUniqueConstraint(error);
  if (constraint !== undefined) return uniqueViolationProblem(constraint);
  if (dbError?.code === '23503') return referenceProblem(dbError);
  if (dbError?.code === '22P02' || dbError?.code === '22007' || dbError?.code === '22008' || dbError?.code === '22021') {
    return httpErrors.INVALID_VALUE();
  }
  // numeric_value_out_of_range, string_data_right_truncation: a value, or a counter it adds to, past its column.
  if (dbError?.code === '22003' || dbError?.code === '22001') return httpErrors.VALUE_OUT_OF_RANGE({ cause: error });
  if (isConnectionFailure(error, dbError)) return httpErrors.DATABASE_UNAVAILABLE({ cause: error });
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    // A file's conditional or partial request (@fastify/static) keeps its status: the client acts on it.
    const kept = keptStatuses[fastifyError.statusCode];
    return (kept ?? httpErrors.MALFORMED_REQUEST)({ cause: error });
  }
  return httpErrors.INTERNAL_ERROR({ cause: error });
}

/**
 * Whether a request is a browser's navigation, which asks for HTML: a person on a page gets a refusal as a page.
 * A script (the passkey ceremonies' fetch, an API client) does not ask for it, and gets problem+json.
 */
export const asksForPage = (request: FastifyRequest) => request.headers.accept?.includes('text/html') === true;

export function sendProblem(request: FastifyRequest, reply: FastifyReply, appError: AppError) {
  if (appError.extra.retryAfterSeconds !== undefined) reply.header('retry-after', String(appError.extra.retryAfterSeconds));
  // RFC 9470: the client is told to authenticate again, more recently or more strongly.
  if (appError.code === httpErrors.STEP_UP_REQUIRED.code) {
    reply.header(
      'www-authenticate',
      'Bearer error="insufficient_user_authentication", error_description="a more recent sign-in with a second factor is required"',
    );
  }
  const detail = appError.status >= 500 && appError.status !== 503 ? `${appError.detail} Reference: ${request.id}.` : appError.detail;
  return reply
    .status(appError.status)
    .type('application/problem+json')
    .send({
      ...problemDocument(appError, detail),
      // Only a path we routed is echoed back; a malformed or unknown one is not repeated to the client.
      ...(request.routeOptions.url ? { instance: request.url.split('?')[0] } : {}),
      ...(appError.extra.errors ? { errors: appError.extra.errors } : {}),
    });
}

/** The RFC 9457 members every problem has. */
function problemDocument(appError: AppError, detail = appError.detail) {
  return {
    type: `https://tessera.dev/problems/${appError.code.toLowerCase().replaceAll('_', '-')}`,
    title: titles[appError.status] ?? 'Error',
    status: appError.status,
    detail,
    code: appError.code,
  };
}

/** Node's HTTP parser's refusals, by its error code; anything else it cannot parse is MALFORMED_REQUEST. */
const connectionErrors: Record<string, ErrorFactory> = {
  HPE_HEADER_OVERFLOW: httpErrors.HEADERS_TOO_LARGE,
  ERR_HTTP_REQUEST_TIMEOUT: httpErrors.REQUEST_TIMEOUT,
};

/**
 * Requests Node's parser refuses before Fastify sees them (a bad Content-Length, a header line without a colon,
 * Transfer-Encoding with Content-Length, headers over the size limit, a request that never finished arriving):
 * there is no request or reply, so the problem is written to the socket as raw HTTP/1.1 and the connection is
 * closed, since what follows on it cannot be trusted to start a request.
 */
function answerConnectionError(this: FastifyInstance, error: ConnectionError, socket: Duplex) {
  // A reset connection is gone: nobody is left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const appError = (connectionErrors[error.code] ?? httpErrors.MALFORMED_REQUEST)();
  this.log.info({ code: error.code }, 'connection refused: the request cannot be parsed');
  // An answer to an earlier request on this connection already under way must not be cut into by ours.
  const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) {
    const body = JSON.stringify(problemDocument(appError));
    socket.write(
      `HTTP/1.1 ${appError.status} ${titles[appError.status]}\r\nContent-Type: application/problem+json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/** Errors Fastify raises before routing (a malformed URL, an over-long parameter): same answers as any other. */
function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  request.log.info({ code: error.code }, 'request refused before routing');
  return sendProblem(request, reply, toAppError(error));
}

/** Server options that keep Fastify's and Node's own answers (pre-routing errors, unparseable requests, the drain's 503) ours. */
export const problemServerOptions = {
  frameworkErrors: frameworkErrorHandler,
  clientErrorHandler: answerConnectionError,
  return503OnClosing: false,
} as const;

/**
 * The one place errors become HTTP answers (RFC 9457). While the server drains, new requests get 503 SHUTTING_DOWN.
 * A path no route serves is 404, answered as the routes' instance of the nearest path above it says
 * (`answerMissingPathsWith`); one served with other methods is 405 with Allow (RFC 9110 §15.5.6), answered as its
 * routes' instance says (`answerWrongMethodsWith`). `corsPreflight`: OPTIONS is answered on every path.
 */
export function registerProblemHandlers(app: FastifyInstance, options: { corsPreflight?: boolean } = {}) {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (_request, reply) => {
    if (closing) {
      reply.header('connection', 'close');
      throw httpErrors.SHUTTING_DOWN();
    }
  });
  app.setErrorHandler((error, request, reply) => {
    const appError = toAppError(error);
    // A refusal while draining is the shutdown working as meant, not a failure worth a stack trace.
    if (appError.status >= 500 && appError.code !== httpErrors.SHUTTING_DOWN.code) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: appError.code }, 'request refused');
    headersOfRefusal(error, appError, reply);
    return sendProblem(request, reply, appError);
  });
  const { servedPath, missingPath } = trackServedMethods(app, options);
  app.setNotFoundHandler((request, reply) => {
    const served = servedPath(request);
    if (!served) {
      const answer = missingPath(request);
      const refusal = httpErrors.ROUTE_NOT_FOUND();
      return answer ? answer(request, reply, refusal) : sendProblem(request, reply, refusal);
    }
    reply.header('allow', served.allow);
    const refusal = httpErrors.METHOD_NOT_ALLOWED();
    return served.answer ? served.answer(request, reply, refusal) : sendProblem(request, reply, refusal);
  });
}
