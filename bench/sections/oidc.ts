import { createHash } from 'node:crypto';
import { adminHeaders, adminServerEnv, type BenchTarget, type Section } from '../lib.js';

const CALLBACK = 'https://app.example/callback';
const VERIFIER = 'bench-verifier-'.padEnd(64, 'x');
const CHALLENGE = createHash('sha256').update(VERIFIER).digest('base64url');
const CODES = 6000;

const cookiesOf = (res: Response) => res.headers.getSetCookie().map((value) => value.split(';')[0] as string);

async function register(target: BenchTarget, headers: Record<string, string>, body: object) {
  const res = await fetch(`${target.baseUrl}/applications`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`application: ${res.status} ${await res.text()}`);
  return (await res.json()) as { application: { clientId: string }; clientSecret: string };
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

/** The OpenID provider: authorization codes redeemed and client-credentials tokens issued per second. */
export const oidc: Section = {
  name: 'oidc',
  drivers: ['postgres'],
  serverEnv: { ...adminServerEnv, AUTH_RATE_LIMIT_PER_MINUTE: '100000000', OIDC_CODE_TTL: '30m' },
  async run(target, measure) {
    const headers = await adminHeaders(target);
    const service = await register(target, headers, { name: 'bench service', kind: 'service', scopes: ['users:read'] });
    const web = await register(target, headers, { name: 'bench web', kind: 'web', redirectUris: [CALLBACK], firstParty: true });
    const basic = (app: { application: { clientId: string }; clientSecret: string }) =>
      `Basic ${Buffer.from(`${encodeURIComponent(app.application.clientId)}:${encodeURIComponent(app.clientSecret)}`).toString('base64')}`;
    const form = { 'content-type': 'application/x-www-form-urlencoded' };

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

    // The bootstrap admin signs in on the hosted page once; every code below is theirs.
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
    const browserCookie = cookiesOf(signIn).find((cookie) => cookie.includes('tessera_session')) ?? '';
    if (!browserCookie) throw new Error(`hosted sign-in: ${signIn.status}`);
    const codes: string[] = [];
    const workers = Array.from({ length: 8 }, async () => {
      while (codes.length < CODES) codes.push(await authorizationCode(target, web.application.clientId, browserCookie));
    });
    await Promise.all(workers);
    const exchange = await measure('oidc', {
      title: 'POST /oidc/token (authorization_code + PKCE)',
      connections: 10,
      durationSeconds: 5,
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
    return [clientCredentials, exchange];
  },
};
