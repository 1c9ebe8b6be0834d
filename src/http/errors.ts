export interface FieldError {
  path: string;
  message: string;
}

/**
 * The one error type services throw. `code` is stable for clients; `detail` is safe to show;
 * `cause` stays in the logs.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly extra: { errors?: FieldError[]; retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(detail, { cause: extra.cause });
    this.name = 'AppError';
  }
}

export const badRequest = (code: string, detail: string, errors?: FieldError[]) => new AppError(400, code, detail, { errors });
export const validationFailed = (errors: FieldError[]) => new AppError(400, 'VALIDATION_FAILED', 'The request is invalid.', { errors });
export const unauthorized = (code = 'UNAUTHORIZED', detail = 'Authentication is required.') => new AppError(401, code, detail);
export const forbidden = (code = 'FORBIDDEN', detail = 'You do not have permission to do this.') => new AppError(403, code, detail);
export const notFound = (entity: string) => new AppError(404, `${toCode(entity)}_NOT_FOUND`, `${entity} not found.`);
export const conflict = (code: string, detail: string) => new AppError(409, code, detail);
export const rateLimited = (retryAfterSeconds: number) =>
  new AppError(429, 'RATE_LIMITED', 'Too many requests. Try again later.', { retryAfterSeconds });
export const unavailable = (code: string, detail: string, cause?: unknown) => new AppError(503, code, detail, { cause });

export function toCode(words: string): string {
  return words
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toUpperCase();
}

/** Throws `error` unless `condition` holds: keeps rule checks one line each. */
export function assert(condition: unknown, error: () => AppError): asserts condition {
  if (!condition) throw error();
}
