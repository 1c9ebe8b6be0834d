import { eq, inArray } from 'drizzle-orm';
import { permissions, roles, userPermissions, userRoles } from '../../src/db/schema/index.js';
import { insertUserWithProfile } from '../../src/modules/users/queries.js';
import { hashPassword } from '../../src/platform/passwords.js';
import { createHarness, type Harness } from './app.js';
import { stepAt, totpCode } from './totp.js';

let counter = 0;
// One hash for every test user: argon2 is deliberately slow, and these passwords need no secrecy.
const DEFAULT_PASSWORD = 'correct horse battery staple';
let defaultHash: Promise<string> | undefined;
const sharedHash = () => {
  defaultHash ??= hashPassword(DEFAULT_PASSWORD);
  return defaultHash;
};

export interface TestUserOptions {
  email?: string;
  password?: string;
  roles?: string[];
  permissions?: string[];
  organizationId?: string | null;
  status?: 'ACTIVE' | 'PENDING' | 'INACTIVE' | 'SUSPENDED';
  firstName?: string;
  lastName?: string;
  username?: string;
}

/** An ACTIVE, verified user with the named roles and direct permissions, made through the data layer. */
export async function createUser(h: Harness, options: TestUserOptions = {}) {
  const db = h.context.database.primary;
  const email = options.email ?? `user${++counter}-${Date.now()}@example.com`;
  const password = options.password ?? DEFAULT_PASSWORD;
  const passwordHash = options.password ? await hashPassword(password) : await sharedHash();
  const user = await insertUserWithProfile(db, {
    email,
    passwordHash,
    status: options.status ?? 'ACTIVE',
    emailVerifiedAt: new Date(),
    organizationId: options.organizationId ?? null,
    firstName: options.firstName ?? 'Test',
    lastName: options.lastName ?? `User${counter}`,
    username: options.username ?? null,
  });
  if (options.roles?.length) {
    const found = await db.select().from(roles).where(inArray(roles.name, options.roles));
    if (found.length !== options.roles.length) throw new Error(`unknown role in ${options.roles.join(', ')}`);
    await db.insert(userRoles).values(found.map((role) => ({ userId: user.id, roleId: role.id })));
  }
  if (options.permissions?.length) {
    const found = await db.select().from(permissions).where(inArray(permissions.name, options.permissions));
    if (found.length !== options.permissions.length) throw new Error(`unknown permission in ${options.permissions.join(', ')}`);
    await db.insert(userPermissions).values(found.map((permission) => ({ userId: user.id, permissionId: permission.id })));
  }
  await h.context.access.invalidate(user.id);
  return { ...user, password };
}

/** Signs in through POST /auth/login, as a client would. */
export async function login(h: Harness, email: string, password: string, headers: Record<string, string> = {}) {
  const res = await h.app.inject({ method: 'POST', url: '/auth/login', payload: { email, password }, headers });
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
  const body = res.json() as { accessToken: string; refreshToken: string };
  return { ...body, headers: { authorization: `Bearer ${body.accessToken}` } };
}

/** A new user with the given access, signed in. */
export async function loginAs(h: Harness, options: TestUserOptions = {}) {
  const user = await createUser(h, options);
  const session = await login(h, user.email, user.password);
  return { ...session, userId: user.id, user };
}

/** A file's app, with the per-IP login limit out of its tests' way, and an administrator signed in to it. */
export async function harnessWithAdmin() {
  const h = await createHarness({ config: { AUTH_RATE_LIMIT_PER_MINUTE: '100000' } });
  return { h, admin: await loginAs(h, { roles: ['admin'] }) };
}

export async function findRoleId(h: Harness, name: string) {
  const [role] = await h.context.database.primary.select().from(roles).where(eq(roles.name, name));
  if (!role) throw new Error(`no role ${name}`);
  return role.id;
}

/** Makes an organization through the API as `admin` (who must hold `tenants:all`); its id. */
export async function createOrganization(h: Harness, admin: { headers: Record<string, string> }, name: string): Promise<string> {
  const response = await h.app.inject({ method: 'POST', url: '/organizations', headers: admin.headers, payload: { name } });
  return response.json().organization.id as string;
}

/**
 * Throws unless `response` has `status`. Not vitest's `expect`: scripts outside vitest (`npm run fuzz`) load
 * these helpers too, and vitest refuses to be imported there.
 */
function answered(response: { statusCode: number; body: string }, status: number) {
  if (response.statusCode !== status) throw new Error(`expected ${status}, answered ${response.statusCode}: ${response.body}`);
}

/** A new user with an active authenticator app: its secret, the step its confirmation spent, and its recovery codes. */
export async function enrolAuthenticator(h: Harness, options: Parameters<typeof loginAs>[1] = {}) {
  const session = await loginAs(h, options);
  const started = await h.app.inject({ method: 'POST', url: '/auth/mfa/totp', payload: {}, headers: session.headers });
  answered(started, 201);
  const { factorId, secret } = started.json();
  const step = stepAt();
  const confirmed = await h.app.inject({
    method: 'POST',
    url: `/auth/mfa/totp/${factorId}/confirm`,
    payload: { code: totpCode(secret, step) },
    headers: session.headers,
  });
  answered(confirmed, 200);
  return { ...session, factorId, secret: secret as string, step, recoveryCodes: confirmed.json().recoveryCodes as string[] };
}

/** Support (a caller holding users:impersonate) acting as `userId`: the impersonation token's Bearer headers. */
export async function impersonate(h: Harness, support: { headers: Record<string, string> }, userId: string, reason: string) {
  const started = await h.app.inject({
    method: 'POST',
    url: `/users/${userId}/impersonate`,
    headers: support.headers,
    payload: { reason },
  });
  answered(started, 201);
  return { authorization: `Bearer ${started.json().accessToken}` };
}

/** What `guessUntilHeld` needs of an answer: light-my-request's response. */
interface Answer {
  statusCode: number;
  headers: Record<string, unknown>;
  json(): { code?: string };
}

/**
 * Sends `guess(n)` until the sign-in throttle holds it for 4 s or more, long enough to show that a sign-in right
 * after is held too: the codes answered before, and the held answer's. The waits double from 1 s, and a slow
 * machine may outlast a short one, so short waits are waited out.
 */
export async function guessUntilHeld(guess: (attempt: number) => Promise<Answer>) {
  const answered: (string | undefined)[] = [];
  for (let attempt = 0; attempt < 16; attempt++) {
    const res = await guess(attempt);
    if (res.statusCode !== 429) answered.push(res.json().code);
    else if (Number(res.headers['retry-after']) >= 4) return { answered, held: res.json().code };
    else await new Promise((resolve) => setTimeout(resolve, Number(res.headers['retry-after']) * 1000));
  }
  return { answered, held: undefined };
}

/**
 * The API as `caller`, each answer's status and parsed body (none for a 204): what a console test reads to
 * confirm that an action on the screen really happened.
 */
export function apiAs(h: Harness, caller: { headers: Record<string, string> }) {
  return async (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: object) => {
    const res = await h.app.inject({ method, url, headers: caller.headers, ...(payload ? { payload } : {}) });
    return { status: res.statusCode, body: res.statusCode === 204 ? undefined : res.json() };
  };
}

/** Signs in through the hosted sign-in form, as a browser posting it from the page; the session cookie's value. */
export async function signInByForm(h: Harness, user: { email: string; password: string }) {
  const signedIn = await h.app.inject({
    method: 'POST',
    url: '/sign-in',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
    payload: new URLSearchParams({ csrf: 'anonymous', identifier: user.email, password: user.password }).toString(),
  });
  answered(signedIn, 303);
  return new RegExp(`${h.app.modules.hosted.cookieName}=([^;]+)`).exec(String(signedIn.headers['set-cookie']))?.[1] as string;
}
