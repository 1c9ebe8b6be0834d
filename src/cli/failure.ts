import { dirname } from 'node:path';
import { DrizzleQueryError } from 'drizzle-orm';
import { ConfigError, loadConfig } from '../config.js';
import { UnopenableDatabaseError } from '../db/client.js';
import { DirectoryLockedError } from '../db/dir-lock.js';
import { AppError } from '../http/errors.js';
import { toAppError } from '../http/problem.js';
import { isExpectedFailure } from './commands.js';
import { restoreAdvice } from './recovery.js';

/** A command refused because another process holds the embedded database directory. */
export class HeldDirectoryError extends Error {}

/** Every failure ends as one readable line (and exit code 1), in the CLI or sent back by the server. */
export function describeFailure(error: unknown): string {
  if (error instanceof ConfigError || error instanceof HeldDirectoryError || isExpectedFailure(error)) return (error as Error).message;
  if (error instanceof UnopenableDatabaseError) return `${error.message}: ${restoreAdvice(error.databaseDir)}`;
  if (error instanceof DirectoryLockedError) {
    const { pid, command } = error.holder;
    return `DATA_DIR ${dirname(error.lockFile)} is in use by \`tessera ${command}\` (pid ${pid}): an embedded database opens in one process at a time; stop that one first, or give this one another DATA_DIR`;
  }
  const appError = error instanceof AppError ? error : toAppError(error);
  if (appError.code === 'DATABASE_UNAVAILABLE') {
    const url = configuredDatabaseUrl();
    return `cannot reach the database${url ? ` at ${url.hostname}:${url.port || 5432}` : ''}`;
  }
  if (appError.status < 500) return appError.detail;
  return error instanceof Error ? withoutStatement(error).message : String(error);
}

/** A failed statement's error is the driver's: drizzle's own message adds the statement's parameters (password hashes, tokens). */
function withoutStatement(error: Error): Error {
  return error instanceof DrizzleQueryError && error.cause instanceof Error ? error.cause : error;
}

/** Where the database was said to be (DATABASE_URL, USER_DATABASE_URL or DB_HOST's parts), if anywhere readable. */
function configuredDatabaseUrl(): URL | undefined {
  try {
    const { DATABASE_URL } = loadConfig();
    return DATABASE_URL ? new URL(DATABASE_URL) : undefined;
  } catch {
    return undefined;
  }
}

export const failureLine = (error: unknown) => `tessera: error: ${describeFailure(error)}\n`;
