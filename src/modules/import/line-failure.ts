import { findDatabaseError, violatedUniqueConstraint } from '../../db/errors.js';
import { AppError } from '../../http/errors.js';
import type { LineError } from './schemas.js';
import type { ImportUser } from './validate.js';

/** The unique indexes a line's own values can run into once the check has passed: another account took them since. */
const takenFields: Record<string, string> = {
  users_email_unique: 'email',
  users_username_unique: 'username',
  users_phone_unique: 'phone',
};

/** PostgreSQL's integrity constraint violations (class 23): the line's data, not the database, was at fault. */
const isIntegrityViolation = (error: unknown) => findDatabaseError(error)?.code?.startsWith('23') === true;

/**
 * Why one user's write failed, as the line's error: the field another account took since the check, a rule's
 * refusal, or that the line broke a constraint. Never the statement: drizzle's message carries the query and
 * its parameters, password hashes included. Anything else (the database gone) is no fault of the line: thrown.
 */
export function lineFailure(user: ImportUser, error: unknown): LineError {
  const field = takenFields[violatedUniqueConstraint(error) ?? ''];
  if (field) return { line: user.line, field, message: 'is taken by another account' };
  if (error instanceof AppError && error.status < 500) return { line: user.line, field: '(line)', message: error.detail };
  if (isIntegrityViolation(error)) return { line: user.line, field: '(line)', message: 'conflicts with data written since the check' };
  throw error;
}
