export interface FieldError {
  path: string;
  message: string;
}

/**
 * The most field errors one refusal of a request lists. A body of 50,000 wrong items has 50,000;
 * listing them all would answer 100 KB with megabytes.
 */
export const MAX_FIELD_ERRORS = 20;

/** One entry of an error catalogue: a stable code, the HTTP status it answers with, a message safe to show. */
export interface ErrorSpec {
  readonly code: string;
  readonly status: number;
  readonly detail: string;
}

export interface ErrorOptions {
  /** A more precise message than the catalogue's, still safe to show. */
  detail?: string;
  errors?: FieldError[];
  retryAfterSeconds?: number;
  /** Stays in the logs. */
  cause?: unknown;
}

/**
 * The one error type services throw, made only from a catalogue entry (`errors.ROLE_NOT_FOUND()`), so
 * every code a client can see is declared once with its status. `cause` stays in the logs.
 */
export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly extra: Omit<ErrorOptions, 'detail'>;

  constructor(spec: ErrorSpec, options: ErrorOptions = {}) {
    super(options.detail ?? spec.detail, { cause: options.cause });
    this.name = 'AppError';
    this.status = spec.status;
    this.code = spec.code;
    this.detail = options.detail ?? spec.detail;
    this.extra = { errors: options.errors, retryAfterSeconds: options.retryAfterSeconds, cause: options.cause };
  }
}

/** A catalogue entry: call it to make the error (optionally with a precise message), or list it in a route's problems. */
export type ErrorFactory<C extends string = string> = ErrorSpec & { readonly code: C } & ((options?: ErrorOptions | string) => AppError);

type Catalogue<C> = { readonly [K in keyof C & string]: ErrorFactory<K> };

const known = new Map<string, ErrorSpec>();

/**
 * A module's error codes, `as const`. A code means one thing everywhere: defining it twice with another
 * status is refused at start-up (it once was a 401 in one place and a 400 in another).
 */
export function defineErrors<const C extends Record<string, readonly [status: number, detail: string]>>(catalogue: C): Catalogue<C> {
  const entries = Object.entries(catalogue).map(([code, [status, detail]]) => {
    const earlier = known.get(code);
    if (earlier && earlier.status !== status) throw new Error(`error code ${code} is defined as ${earlier.status} and as ${status}`);
    const spec: ErrorSpec = { code, status, detail };
    known.set(code, spec);
    const make = (options?: ErrorOptions | string) => new AppError(spec, typeof options === 'string' ? { detail: options } : options);
    return [code, Object.assign(make, spec)];
  });
  return Object.fromEntries(entries) as Catalogue<C>;
}

/** Every code defined so far, for documentation. */
export const knownErrorCodes = (): ErrorSpec[] => [...known.values()].sort((a, b) => a.status - b.status || a.code.localeCompare(b.code));

/** Codes of the HTTP layer itself, which any route may answer with. */
export const httpErrors = defineErrors({
  VALIDATION_FAILED: [400, 'The request is invalid.'],
  FIELD_NOT_ALLOWED: [400, 'A field in the request cannot be set here.'],
  MALFORMED_JSON: [400, 'The request body is not valid JSON.'],
  MALFORMED_REQUEST: [400, 'The request cannot be read.'],
  BODY_TOO_DEEP: [400, 'The request body is nested too deeply.'],
  TOO_MANY_PARAMETERS: [400, 'The query string has too many parameters.'],
  INVALID_VALUE: [400, 'A value in the request has the wrong format.'],
  VALUE_OUT_OF_RANGE: [400, 'A value, or a total it adds to, is larger or longer than can be stored.'],
  UNAUTHORIZED: [401, 'Authentication is required.'],
  STEP_UP_REQUIRED: [401, 'Sign in again (with your second factor, if you have one) to do this.'],
  FORBIDDEN: [403, 'You do not have permission to do this.'],
  ROUTE_NOT_FOUND: [404, 'No such route.'],
  METHOD_NOT_ALLOWED: [405, 'This address does not take this method.'],
  NOT_ACCEPTABLE: [406, 'No acceptable representation is available.'],
  REQUEST_TIMEOUT: [408, 'The request did not arrive in time.'],
  ALREADY_EXISTS: [409, 'A record with this value already exists.'],
  EMAIL_ALREADY_EXISTS: [409, 'A record with this email already exists.'],
  USERNAME_ALREADY_EXISTS: [409, 'A record with this username already exists.'],
  PHONE_ALREADY_EXISTS: [409, 'A record with this phone already exists.'],
  NAME_ALREADY_EXISTS: [409, 'A record with this name already exists.'],
  SLUG_ALREADY_EXISTS: [409, 'A record with this slug already exists.'],
  REFERENCE_CONFLICT: [409, 'A referenced record does not exist or is still in use.'],
  PRECONDITION_FAILED: [412, 'A precondition of the request (If-Match, If-Unmodified-Since) does not hold.'],
  BODY_TOO_LARGE: [413, 'The request body is too large.'],
  UNSUPPORTED_MEDIA_TYPE: [415, 'This content type is not accepted here.'],
  RANGE_NOT_SATISFIABLE: [416, 'The file has none of the range asked for.'],
  RATE_LIMITED: [429, 'Too many requests. Try again later.'],
  HEADERS_TOO_LARGE: [431, 'The request line or headers are too large.'],
  INTERNAL_ERROR: [500, 'Something went wrong on our side.'],
  DATABASE_UNAVAILABLE: [503, 'The database cannot be reached.'],
  STORAGE_UNAVAILABLE: [503, 'The file store cannot be reached.'],
  SHUTTING_DOWN: [503, 'The server is shutting down. Try again.'],
});

export const rateLimited = (retryAfterSeconds: number) => httpErrors.RATE_LIMITED({ retryAfterSeconds });

/** Throws `error` unless `condition` holds: keeps rule checks one line each. */
export function assert(condition: unknown, error: () => AppError): asserts condition {
  if (!condition) throw error();
}
