import { createRequire } from 'node:module';
import { type Config, ConfigError } from '../config.js';
import { type FieldError, httpErrors } from '../http/errors.js';

/** NIST 800-63B: long enough, not known-breached, no composition rules, never truncated. */
export const MAX_PASSWORD_LENGTH = 128;

let commonPasswords: Set<string> | undefined;

/**
 * ~49,000 most common passwords, ranked by frequency in breach corpora, shipped with the package. Unpacking
 * them costs a tenth of a second of CPU, so a process pays it at its first password check, not as it loads:
 * most CLI commands and many server lives never check one.
 */
function commonPasswordList(): Set<string> {
  if (!commonPasswords) {
    const { dictionary } = createRequire(import.meta.url)('@zxcvbn-ts/language-common') as typeof import('@zxcvbn-ts/language-common');
    commonPasswords = new Set((dictionary['passwords-common'] as string[]).map((password) => password.toLowerCase()));
  }
  return commonPasswords;
}

/** Whose password it is: what they are known by, which their password must not be. */
export interface PasswordOwner {
  email: string;
  username?: string | null;
  firstName?: string | null;
  lastName?: string | null;
}

/** Their address, its part before the @, their username, and their names alone and together. */
function ownWords({ email, username, firstName, lastName }: PasswordOwner): string[] {
  const fullName = [firstName, lastName].filter(Boolean).join(' ');
  return [email, email.split('@')[0] ?? '', username ?? '', firstName ?? '', lastName ?? '', fullName];
}

/**
 * Every way a password is set (sign-up, invitation, reset, change, temporary password, an administrator's,
 * create-admin, the bootstrap admin) checks it here against its owner, so no door lets through what another refuses.
 */
export function passwordProblems(password: string, minLength: number, owner: PasswordOwner): string[] {
  const normalized = password.normalize('NFKC');
  const length = [...normalized].length;
  if (length < minLength) return [`must be at least ${minLength} characters`];
  if (length > MAX_PASSWORD_LENGTH) return [`must be at most ${MAX_PASSWORD_LENGTH} characters`];
  const lowered = normalized.toLowerCase();
  if (commonPasswordList().has(lowered)) return ['is too common: it appears in lists of breached passwords'];
  if (ownWords(owner).some((word) => word.length >= 4 && lowered === word.normalize('NFKC').toLowerCase()))
    return ['must not be your email or name'];
  return [];
}

/** Throws 400 naming the field when the password breaks the policy. */
export function assertPasswordAcceptable(password: string, minLength: number, owner: PasswordOwner, field = 'password') {
  const errors: FieldError[] = passwordProblems(password, minLength, owner).map((message) => ({ path: `/${field}`, message }));
  if (errors.length > 0) throw httpErrors.VALIDATION_FAILED({ errors });
}

/** The first admin's password meets the policy every other password meets: checked before anything is done. */
export function assertBootstrapPasswordAccepted(config: Config) {
  const { BOOTSTRAP_ADMIN_EMAIL: email, BOOTSTRAP_ADMIN_PASSWORD: password } = config;
  const refused = password ? passwordProblems(password, config.PASSWORD_MIN_LENGTH, { email: email ?? '' }) : [];
  if (refused.length > 0) throw new ConfigError(`Invalid configuration: BOOTSTRAP_ADMIN_PASSWORD ${refused.join(', ')}`);
}
