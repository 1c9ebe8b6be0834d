import { stepAt, totpCode } from '../../test/helpers/totp.js';
import type { BenchRow, BenchTarget, CaseSpec, Section } from '../lib.js';

const password = 'benchmark passphrase that is long';
/**
 * A TOTP code is accepted once per 30 s step (and one step of skew), so a person signs in at most twice a
 * step: at ~100 sign-ins/s the case needs well over a thousand people to never wait for the clock. The
 * password-only case signs in as many people: a person's grants stay cached for a minute after a sign-in,
 * so 60 people signing in again every second would compare warm sign-ins with cold ones, not one step with two.
 */
const PEOPLE = Number(process.env.BENCH_MFA_USERS ?? 1500);
/** At ~50 sign-ins/s and ~1 s a sign-in under 50 connections, a 5 s run is a few hundred sign-ins, one of them ramp-up. */
const RUN_SECONDS = 10;
const SETUP_CONCURRENCY = 8;

async function post(target: BenchTarget, path: string, body: object, headers: Record<string, string> = {}) {
  const res = await fetch(`${target.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (res.status === 204 ? {} : await res.json()) as Record<string, string>;
}

/** Runs `work` over every item, a few at a time (each costs an argon2 hash on the server). */
async function inParallel<T>(items: T[], work: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: SETUP_CONCURRENCY }, worker));
}

/** A new person who has signed in once: their access token. */
async function signedUp(target: BenchTarget, email: string) {
  await post(target, '/auth/register', { email, password });
  return (await post(target, '/auth/login', { email, password })).accessToken as string;
}

/** A registered person with a confirmed authenticator app: its secret, and the last step its codes spent. */
async function enrolled(target: BenchTarget, email: string) {
  const headers = { authorization: `Bearer ${await signedUp(target, email)}` };
  const { factorId, secret } = await post(target, '/auth/mfa/totp', {}, headers);
  const step = stepAt();
  await post(target, `/auth/mfa/totp/${factorId}/confirm`, { code: totpCode(secret as string, step) }, headers);
  return { email, secret: secret as string, lastStep: step };
}

/**
 * The next person able to answer now and the code they give: a step after the last one they spent, within
 * the server's one step of skew. Round robin over many people keeps one person off two connections at once.
 */
function nextCode(people: { email: string; secret: string; lastStep: number }[]) {
  let cursor = 0;
  return () => {
    const now = stepAt();
    for (let tried = 0; tried < people.length; tried++) {
      const person = people[cursor++ % people.length] as (typeof people)[number];
      const step = Math.max(now, person.lastStep + 1);
      if (step > now + 1) continue;
      person.lastStep = step;
      return { email: person.email, code: totpCode(person.secret, step) };
    }
    throw new Error('every person spent their codes of this step: raise BENCH_MFA_USERS');
  };
}

/** A sign-in's figures from a case of `requests` requests per sign-in: sign-ins per second, server CPU per sign-in. */
const perSignIn = (row: BenchRow, title: string, requests: number): BenchRow => ({
  ...row,
  case: title,
  reqPerSec: Math.round(row.reqPerSec / requests),
  ...(row.cpuMsPerRequest === undefined ? {} : { cpuMsPerRequest: Math.round(100 * row.cpuMsPerRequest * requests) / 100 }),
});

/**
 * Sign-ins per second with a password and a TOTP code (POST /auth/login, then POST /auth/mfa/verify) against
 * password-only sign-ins, on the same server in the same run; argon2 dominates both, so the ratio is near 1.
 */
export const mfa: Section = {
  name: 'mfa',
  serverEnv: {
    AUTH_RATE_LIMIT_PER_MINUTE: '100000000',
    AUTH_PRINCIPAL_RATE_LIMIT_PER_MINUTE: '100000000',
    MAX_EMAILS_PER_HOUR: '100000000',
  },
  async run(target, measure) {
    // The two populations are made side by side, each person signing in once: at the first run as many of
    // either are still in the grants cache, in the same order the cases take them.
    const plain: string[] = [];
    const people: Awaited<ReturnType<typeof enrolled>>[] = [];
    await inParallel(
      Array.from({ length: PEOPLE }, (_, index) => index),
      async (index) => {
        await signedUp(target, `plain${index}@example.com`);
        plain.push(`plain${index}@example.com`);
        people.push(await enrolled(target, `totp${index}@example.com`));
      },
    );

    let nextPlain = 0;
    const passwordOnlyCase: CaseSpec = {
      title: 'sign-ins/s: password',
      durationSeconds: RUN_SECONDS,
      requests: [
        {
          method: 'POST',
          path: '/auth/login',
          headers: { 'content-type': 'application/json' },
          setupRequest: (request) => ({ ...request, body: JSON.stringify({ email: plain[nextPlain++ % plain.length], password }) }),
        },
      ],
    };

    // Each connection signs in with its password, then answers the second step with the token it got.
    const answer = nextCode(people);
    type Pending = { code?: string; mfaToken?: string };
    const withTotpCase: CaseSpec = {
      title: 'password + TOTP',
      durationSeconds: RUN_SECONDS,
      requests: [
        {
          method: 'POST',
          path: '/auth/login',
          headers: { 'content-type': 'application/json' },
          setupRequest: (request, context) => {
            const { email, code } = answer();
            (context as Pending).code = code;
            return { ...request, body: JSON.stringify({ email, password }) };
          },
          onResponse: (status, body, context) => {
            (context as Pending).mfaToken = status === 200 ? (JSON.parse(body) as { mfaToken: string }).mfaToken : 'refused';
          },
        },
        {
          method: 'POST',
          path: '/auth/mfa/verify',
          headers: { 'content-type': 'application/json' },
          setupRequest: (request, context) => {
            const { mfaToken, code } = context as Pending;
            return { ...request, body: JSON.stringify({ mfaToken, method: 'totp', code }) };
          },
        },
      ],
    };
    // Run for run in turn: the load a shared box drifts through weighs on both cases alike.
    const [passwordOnly, withTotp] = (await measure.alternately('mfa', [passwordOnlyCase, withTotpCase])) as [BenchRow, BenchRow];
    const twoStep = perSignIn(withTotp, 'sign-ins/s: password + TOTP (login, verify)', 2);
    const ratio = Math.round((100 * twoStep.reqPerSec) / Math.max(passwordOnly.reqPerSec, 1));
    process.stderr.write(`password + TOTP sign-ins/s are ${ratio} % of password-only sign-ins/s (${target.driver})\n`);
    return [passwordOnly, { ...twoStep, case: `${twoStep.case}: ${ratio} % of password` }];
  },
};
