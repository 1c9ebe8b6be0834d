import { stdSerializers } from 'pino';

/** How deep a logged error's causes and fields are followed. */
const MAX_DEPTH = 8;

/** A failed statement as Drizzle reports it: its text, the values it was given, and the driver's error. */
interface FailedQuery {
  query: string;
  params: unknown[];
}

const isFailedQuery = (value: unknown): value is FailedQuery =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as FailedQuery).query === 'string' &&
  Array.isArray((value as FailedQuery).params);

/**
 * The `params: …` line Drizzle appends to a failed statement's message (`Failed query: <text>\nparams: <values>`),
 * of every failed statement in an error's causes, however deep (an AppError's `extra.cause` too).
 */
function parameterLines(error: unknown, depth = 0, lines = new Set<string>()): Set<string> {
  if (depth > MAX_DEPTH || typeof error !== 'object' || error === null) return lines;
  if (isFailedQuery(error)) lines.add(`\nparams: ${error.params}`);
  for (const value of Object.values(error)) parameterLines(value, depth + 1, lines);
  if (error instanceof Error) parameterLines(error.cause, depth + 1, lines);
  if (error instanceof AggregateError) parameterLines(error.errors, depth + 1, lines);
  return lines;
}

/** A serialized error's fields with the values of failed statements taken out: strings cut, `params` dropped. */
function withoutParameters(value: unknown, lines: Set<string>, depth: number): unknown {
  if (typeof value === 'string') {
    let text = value;
    for (const line of lines) text = text.replaceAll(line, '');
    return text;
  }
  if (depth > MAX_DEPTH || typeof value !== 'object' || value === null) return value;
  if (value instanceof Error) return withoutParameters(stdSerializers.err(value), lines, depth + 1);
  if (Array.isArray(value)) return value.map((item) => withoutParameters(item, lines, depth + 1));
  const failedQuery = isFailedQuery(value);
  const clean: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (failedQuery && key === 'params') continue;
    clean[key] = withoutParameters(field, lines, depth + 1);
  }
  return clean;
}

/**
 * The log's `err`: pino's own serialization (type, message and stack with their causes, the error's fields), less
 * the values a failed statement was given. A Drizzle query error carries them as `params` and in its message, and
 * they are what a write writes: password and token hashes, webhook secrets, personal data. The statement's text
 * (`query`) and the driver's error stay, so the line still says what failed and why.
 */
export function loggedError(error: Error): LoggedError {
  return withoutParameters(stdSerializers.err(error), parameterLines(error), 0) as LoggedError;
}

export type LoggedError = { type: string; message: string; stack: string; [field: string]: unknown };
