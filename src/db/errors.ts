/** What Tessera reads of a database driver's error (node-postgres and PGlite both carry these fields). */
export interface DatabaseError {
  code?: string;
  constraint?: string;
  detail?: string;
  message?: string;
  cause?: unknown;
}

/** drizzle wraps driver errors; the Postgres (or socket) code sits somewhere down the cause chain. */
export function findDatabaseError(error: unknown): DatabaseError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const candidate = current as DatabaseError;
    if (typeof candidate.code === 'string' && /^[0-9A-Z]{5}$/.test(candidate.code)) return candidate;
    if (typeof candidate.code === 'string' && /^E[A-Z]+$/.test(candidate.code)) return candidate;
    current = candidate.cause;
  }
  return undefined;
}

/**
 * The unique constraint or index a statement ran into (PostgreSQL's unique_violation, 23505), by its name in
 * src/db/schema; '' when the driver did not say which; undefined when the error is no unique violation.
 */
export function violatedUniqueConstraint(error: unknown): string | undefined {
  const databaseError = findDatabaseError(error);
  return databaseError?.code === '23505' ? (databaseError.constraint ?? '') : undefined;
}
