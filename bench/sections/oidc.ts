import { createHash } from 'node:crypto';
import { type BenchTarget, REFERENCE_CASE, type Section } from '../lib.js';
import { adminHeaders, adminServerEnv, answers, waitFor } from '../server.js';

const CALLBACK = 'https://app.example/callback';
const VERIFIER = 'bench-verifier-'.padEnd(64, 'x');
const CHALLENGE = createHash('sha256').update(VERIFIER).digest('base64url');
/** Codes redeemed in each run of the exchange case (each is made beforehand, three requests apiece). */
const CODES_PER_RUN = Number(process.env.BENCH_OIDC_CODES ?? 2000);
const CODE_MAKERS = 8;

const cookiesOf = (res: Response) => res.headers.getSetCookie().map((value) => value.split(';')[0] as string);
const form = { 'content-type': 'application/x-www-form-urlencoded' };

type Registered = { application: { clientId: string }; clientSecret: string };

async function register(target: BenchTarget, headers: Record<string, string>, body: object): Promise<Registered> {
  const res = await fetch(`${target.baseUrl}/applications`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`application: ${res.status} ${await res.text()}`);
  return (await res.json()) as Registered;
}

const basic = (app: Registered) =>
  `Basic ${Buffer.from(`${encodeURIComponent(app.application.clientId)}:${encodeURIComponent(app.clientSecret)}`).toString('base64')}`;

/**
 * The provider is ready once it publishes its discovery document and keys: a first start makes its RSA key in
 * the background after /health/ready already answers, so the section waits for that too, not a fixed time.
 */
const providerReady = (target: BenchTarget) =>
  waitFor(
    'OpenID provider keys',
    async () => (await answers(`${target.baseUrl}/.well-known/openid-configuration`)) && answers(`${target.baseUrl}/oidc/jwks`),
  );

/** The bootstrap admin signed in on the hosted page: the browser cookie every code below is made with. */
async function browserSession(target: BenchTarget) {
  const signIn = await fetch(`${target.baseUrl}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { ...form, origin: target.baseUrl },
    body: new URLSearchParams({
      identifier: adminServerEnv.BOOTSTRAP_ADMIN_EMAIL as string,
      password: adminServerEnv.BOOTSTRAP_ADMIN_PASSWORD as string,
      csrf: 'anonymous',
    }),
  });
  const cookie = cookiesOf(signIn).find((candidate) => candidate.includes('tessera_session'));
  if (!cookie) throw new Error(`hosted sign-in: ${signIn.status}`);
  return cookie;
}

/** One authorization code, as a signed-in browser gets it: authorize → interaction page → resume → the redirect's code. */
async function authorizationCode(target: BenchTarget, clientId: string, browserCookie: string) {
  const query = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    redirect_uri: CALLBACK,
    scope: 'openid email',
    code_challenge: CHALLENGE,
    code_challenge_method: 'S256',
  });
  const start = await fetch(`${target.baseUrl}/oidc/auth?${query}`, { redirect: 'manual' });
  const cookies = [browserCookie, ...cookiesOf(start)].join('; ');
  const page = await fetch(`${target.baseUrl}${start.headers.get('location')}`, { redirect: 'manual', headers: { cookie: cookies } });
  const resume = /url=([^"]+)"/.exec(await page.text())?.[1]?.replaceAll('&amp;', '&');
  if (!resume) throw new Error(`no way back from the interaction page: ${page.status}`);
  const done = await fetch(resume, { redirect: 'manual', headers: { cookie: cookies } });
  const code = new URL(done.headers.get('location') ?? '', target.baseUrl).searchParams.get('code');
  if (!code) throw new Error(`no code: ${done.status} ${done.headers.get('location')}`);
  return code;
}

/** `count` codes, made by a few browsers at once. */
async function makeCodes(target: BenchTarget, clientId: string, browserCookie: string, count: number) {
  const codes: string[] = [];
  let started = 0;
  const maker = async () => {
    while (started < count) {
      started++;
      codes.push(await authorizationCode(target, clientId, browserCookie));
    }
  };
  await Promise.all(Array.from({ length: CODE_MAKERS }, maker));
  return codes;
}

/**
 * The OpenID provider on PostgreSQL: client-credentials tokens issued and authorization codes redeemed per
 * second, with GET /health/live measured on the same server in the same run as their reference.
 * `npm run bench -- --only oidc --driver postgres`.
 */
export const oidc: Section = {
  name: 'oidc',
  drivers: ['postgres'],
  serverEnv: { ...adminServerEnv, OIDC_CODE_TTL: '30m' },
  async run(target, measure) {
    await providerReady(target);
    const headers = await adminHeaders(target);
    const service = await register(target, headers, { name: 'bench service', kind: 'service', scopes: ['users:read'] });
    const web = await register(target, headers, { name: 'bench web', kind: 'web', redirectUris: [CALLBACK], firstParty: true });

    const live = await measure('oidc', { title: REFERENCE_CASE, requests: [{ method: 'GET', path: '/health/live' }] });
    const clientCredentials = await measure('oidc', {
      title: 'POST /oidc/token (client_credentials)',
      requests: [
        {
          method: 'POST',
          path: '/oidc/token',
          headers: { ...form, authorization: basic(service) },
          body: 'grant_type=client_credentials&scope=users%3Aread',
        },
      ],
    });

    // Every run redeems exactly the codes made for it, so none runs dry and none is left over.
    process.stderr.write(`making ${CODES_PER_RUN * measure.runs} authorization codes\n`);
    const codes = await makeCodes(target, web.application.clientId, await browserSession(target), CODES_PER_RUN * measure.runs);
    const exchange = await measure('oidc', {
      title: 'POST /oidc/token (authorization_code + PKCE)',
      connections: 10,
      amount: CODES_PER_RUN,
      requests: [
        {
          method: 'POST',
          path: '/oidc/token',
          headers: { ...form, authorization: basic(web) },
          setupRequest: (request) => ({
            ...request,
            body: new URLSearchParams({
              grant_type: 'authorization_code',
              code: codes.pop() ?? '',
              redirect_uri: CALLBACK,
              code_verifier: VERIFIER,
            }).toString(),
          }),
        },
      ],
    });
    return [live, clientCredentials, exchange];
  },
};
