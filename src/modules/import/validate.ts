import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { Executor } from '../../db/client.js';
import { addTesseraFormats, formats, isIanaTimezone, isLanguageTag } from '../../http/formats.js';
import { unstorableText } from '../../platform/json-limits.js';
import { passwordHashFormat, passwordHashProblem } from '../auth/service.js';
import { normalizeEmail, withNameSplit } from '../users/service.js';
import type { ExistingUser } from './owners.js';
import type { ImportFormat, SourceRecord } from './reader.js';
import { ImportRecord, type LineError } from './schemas.js';

/** What an import file may name, and, for an administrator's import, what they may place and grant. */
export interface Catalog {
  organizationId(slug: string): string | undefined;
  userTypeId(name: string): string | undefined;
  roleId(nameOrId: string): string | undefined;
  /** May the actor see an account of this organization? One they may not is, to them, no account at all. */
  sees(organizationId: string | null): boolean;
  /**
   * Why the actor may not overwrite this account with this line, if they may not: the single-user routes' rules
   * (not one holding more than the actor; not suspending oneself or the last super-admin; a password given to an
   * account without one is a credential change, never made with an API key or while impersonating; nor a new
   * username or phone where PATCH /users/:id refuses one). Asked as the file is checked and again, on `executor`, as
   * each line is written, of the account as it is then.
   */
  updateRefused(
    account: ExistingUser,
    line: { status: string | undefined; passwordHash: string | null; username: string | null; phone: string | null },
    executor?: Executor,
  ): Promise<string | undefined>;
  /** Why the actor may not put a user in this organization, if they may not. */
  placementRefused(organizationId: string | null): string | undefined;
  /**
   * Whether a new account's address may come in as verified: the file's word that the system it comes from had
   * the address is taken from the system itself (the CLI) and from a cross-tenant administrator only, since a
   * verified address is one a federated sign-in of that address joins.
   */
  readonly mayVerifyAddresses: boolean;
  /** Why the actor may not grant these roles, if they may not (the same rule as a direct grant). */
  grantRefused(roleIds: string[]): Promise<string | undefined>;
  /** The organization of a line that names none (an administrator's own). */
  readonly defaultOrganizationId: string | null;
  /** The role of a line that names none: the preset's default, as for a sign-up. */
  readonly defaultRoleId: string | undefined;
}

/** A valid line, resolved to ids, ready to be written. */
export interface ImportUser {
  line: number;
  email: string;
  username: string | null;
  phone: string | null;
  firstName: string;
  lastName: string;
  /** As the line names it; a line naming none creates an ACTIVE account and leaves an existing one's status. */
  status: ImportRecord['status'];
  createdAt: Date | null;
  emailVerified: boolean;
  phoneVerified: boolean;
  organizationId: string | null;
  userTypeId: string | null;
  roleIds: string[];
  /** A hash a sign-in can verify; null when there was none or its format is unknown. */
  passwordHash: string | null;
  profile: ImportRecord['profile'];
  preferences: ImportRecord['preferences'];
  skills: NonNullable<ImportRecord['skills']>;
  goals: NonNullable<ImportRecord['goals']>;
}

const ajvOptions = { allErrors: true, strict: false } as const;
/** A file repeats a handful of time zones and languages; ICU is asked about each once, not once a line. */
function remembered(check: (value: string) => boolean) {
  const answers = new Map<string, boolean>();
  return (value: string) => {
    let answer = answers.get(value);
    if (answer === undefined) {
      answer = check(value);
      if (answers.size < 10_000) answers.set(value, answer);
    }
    return answer;
  };
}

/** The record schema compiled for one reading of its values, with Tessera's formats. */
function compiledFor(coerceTypes: false | 'array') {
  const ajv = addTesseraFormats(addFormats.default(new Ajv.default({ ...ajvOptions, coerceTypes })));
  ajv.addFormat(formats.timezone, { type: 'string', validate: remembered(isIanaTimezone) });
  ajv.addFormat(formats.language, { type: 'string', validate: remembered(isLanguageTag) });
  return ajv.compile<ImportRecord>(ImportRecord);
}

let compiled: { jsonl: ValidateFunction<ImportRecord>; csv: ValidateFunction<ImportRecord> } | undefined;
/**
 * Compiled at the first import a process checks, not as it starts: compiling the record schema twice was a sixth
 * of a node's start and of every CLI command's. JSON Lines take values exactly; CSV cells are text, and numbers
 * and booleans are read from them.
 */
const validators = () => {
  compiled ??= { jsonl: compiledFor(false), csv: compiledFor('array') };
  return compiled;
};

function fieldOf(error: ErrorObject): string {
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  const child = params.missingProperty ?? params.additionalProperty;
  return `${error.instancePath}${child ? `/${child}` : ''}`.replace(/^\//, '') || '(line)';
}

/** One message per field: a nullable field's "must be null" and "anyOf" add nothing to the reason it failed. */
function schemaErrors(errors: ErrorObject[]): [field: string, message: string][] {
  const generic = (error: ErrorObject) =>
    error.keyword === 'anyOf' || (error.keyword === 'type' && (error.params as { type?: string }).type === 'null');
  const chosen = new Map<string, string>();
  for (const error of [...errors.filter((error) => !generic(error)), ...errors]) {
    if (!chosen.has(fieldOf(error))) chosen.set(fieldOf(error), error.message ?? 'is invalid');
  }
  return [...chosen];
}

const today = () => new Date().toISOString().slice(0, 10);

/**
 * A line's value as far as the schema let it through: all of it, or, when some fields failed, the top-level
 * fields that passed, so the rules and names of those are still checked and one run names every problem.
 */
function schemaCheck(
  record: SourceRecord,
  format: ImportFormat,
): { value?: Partial<ImportRecord>; complete: boolean; errors: LineError[] } {
  const error = (field: string, message: string): LineError => ({ line: record.line, field, message });
  if (record.error) return { complete: false, errors: [error('(line)', record.error)] };
  const unstorable = unstorableText(record.value, '');
  if (unstorable.length > 0)
    return { complete: false, errors: unstorable.map(({ path, message }) => error(path.slice(1) || '(line)', message)) };
  const validate = validators()[format];
  if (validate(record.value)) return { value: record.value, complete: true, errors: [] };
  const errors = schemaErrors(validate.errors ?? []).map(([field, message]) => error(field, message));
  const failed = new Set(errors.map((error) => error.field.split('/')[0]));
  if (failed.has('(line)')) return { complete: false, errors };
  const passed = Object.entries(record.value as object).filter(([field]) => !failed.has(field));
  return { value: Object.fromEntries(passed), complete: false, errors };
}

/** The rules a schema cannot say. */
function ruleErrors(line: number, value: Partial<ImportRecord>): LineError[] {
  const errors: LineError[] = [];
  const error = (field: string, message: string) => errors.push({ line, field, message });
  if (value.createdAt && new Date(value.createdAt).getTime() > Date.now()) error('createdAt', 'must not be in the future');
  for (const [index, goal] of (value.goals ?? []).entries()) {
    if (goal.targetDate < (goal.startDate ?? today())) error(`goals/${index}/targetDate`, 'must not be before startDate');
  }
  // A hash in a known format that cannot be one would leave its user silently without a password.
  const hashProblem = value.passwordHash !== undefined ? passwordHashProblem(value.passwordHash) : undefined;
  if (hashProblem) error('passwordHash', hashProblem);
  if (value.phoneVerified && !value.phone) error('phoneVerified', 'needs a phone number');
  return errors;
}

/** Names become ids; what the actor may not do is refused by field. */
async function resolveNames(line: number, value: Partial<ImportRecord>, catalog: Catalog) {
  const errors: LineError[] = [];
  const error = (field: string, message: string) => errors.push({ line, field, message });
  const organizationId = value.organization ? catalog.organizationId(value.organization) : catalog.defaultOrganizationId;
  if (organizationId === undefined) error('organization', `no organization has the slug "${value.organization}"`);
  const refusedPlacement = organizationId !== undefined ? catalog.placementRefused(organizationId) : undefined;
  if (refusedPlacement) error('organization', refusedPlacement);
  const userTypeId = value.userType ? catalog.userTypeId(value.userType) : null;
  if (userTypeId === undefined) error('userType', `no user type is named "${value.userType}"`);
  const named = (value.roles ?? []).map((role) => catalog.roleId(role));
  const unknownRoles = (value.roles ?? []).filter((_role, index) => named[index] === undefined);
  const roleIds = (named.length > 0 ? named : [catalog.defaultRoleId]).filter((id) => id !== undefined);
  if (value.emailVerified === true && !catalog.mayVerifyAddresses)
    error('emailVerified', 'only an administrator acting across organizations imports an address as verified');
  if (unknownRoles.length > 0) error('roles', `unknown role: ${unknownRoles.join(', ')}`);
  else {
    const refusedGrant = await catalog.grantRefused(roleIds);
    if (refusedGrant) error('roles', refusedGrant);
  }
  return { errors, organizationId: organizationId ?? null, userTypeId: userTypeId ?? null, roleIds };
}

/** One line checked: its schema, its rules and its names, every problem of it reported together; or the user it makes. */
export async function checkRecord(
  record: SourceRecord,
  format: ImportFormat,
  catalog: Catalog,
): Promise<{ user?: ImportUser; errors: LineError[] }> {
  const checked = schemaCheck(record, format);
  if (!checked.value) return { errors: checked.errors };
  const names = await resolveNames(record.line, checked.value, catalog);
  const errors = [...checked.errors, ...ruleErrors(record.line, checked.value), ...names.errors];
  if (errors.length > 0 || !checked.complete) return { errors };
  const value = checked.value as ImportRecord;
  const { firstName = '', lastName = '' } = withNameSplit(value);
  const hash = value.passwordHash !== undefined && passwordHashFormat(value.passwordHash) ? value.passwordHash : null;
  return {
    errors,
    user: {
      line: record.line,
      email: normalizeEmail(value.email),
      username: value.username ?? null,
      phone: value.phone ?? null,
      firstName,
      lastName,
      status: value.status,
      createdAt: value.createdAt ? new Date(value.createdAt) : null,
      emailVerified: value.emailVerified ?? catalog.mayVerifyAddresses,
      phoneVerified: value.phoneVerified ?? false,
      organizationId: names.organizationId,
      userTypeId: names.userTypeId,
      roleIds: names.roleIds,
      passwordHash: hash,
      profile: value.profile,
      preferences: value.preferences,
      skills: value.skills ?? [],
      goals: value.goals ?? [],
    },
  };
}
