import { dictionary } from '@zxcvbn-ts/language-common';
import { type FieldError, httpErrors } from '../http/errors.js';

/** NIST 800-63B: long enough, not known-breached, no composition rules, never truncated. */
export const MAX_PASSWORD_LENGTH = 128;

// ~49,000 most common passwords, ranked by frequency in breach corpora, shipped with the package.
const commonPasswords = new Set((dictionary['passwords-common'] as string[]).map((password) => password.toLowerCase()));

export function passwordProblems(password: string, minLength: number, context: string[] = []): string[] {
  const normalized = password.normalize('NFKC');
  const length = [...normalized].length;
  if (length < minLength) return [`must be at least ${minLength} characters`];
  if (length > MAX_PASSWORD_LENGTH) return [`must be at most ${MAX_PASSWORD_LENGTH} characters`];
  const lowered = normalized.toLowerCase();
  if (commonPasswords.has(lowered)) return ['is too common: it appears in lists of breached passwords'];
  if (context.some((word) => word.length >= 4 && lowered === word.toLowerCase())) return ['must not be your email or name'];
  return [];
}

/** Throws 400 naming the field when the password breaks the policy. */
export function assertPasswordAcceptable(password: string, minLength: number, field = 'password', context: string[] = []) {
  const errors: FieldError[] = passwordProblems(password, minLength, context).map((message) => ({ path: `/${field}`, message }));
  if (errors.length > 0) throw httpErrors.VALIDATION_FAILED({ errors });
}
