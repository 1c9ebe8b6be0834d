import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './helpers/app.js';
import { createUser, signInByForm } from './helpers/auth.js';
import { routePaths } from './helpers/routes.js';

/** Every parameter a page reads from its address. */
const pageParameters = [
  'token',
  'return_to',
  'redirect_uri',
  'code_challenge',
  'code_challenge_method',
  'state',
  'prompt',
  'login_hint',
  'signed_out',
  'deleted',
  'method',
  'code',
  'lang',
  'v',
  'c',
];

/** A registration's answer in WebAuthn's JSON form, as @simplewebauthn/browser sends it (not a real credential). */
const attestationLike = {
  id: 'AAAA',
  rawId: 'AAAA',
  type: 'public-key',
  response: { clientDataJSON: 'AAAA', attestationObject: 'AAAA' },
  clientExtensionResults: {},
};

// The pages read their address as a person's browser sends it, whatever was put into it: a parameter given twice
// is no value a page acts on, never a 500 or a value written back into the page.
describe('hosted pages and requests as sent', () => {
  let h: Harness;
  let cookie: string;

  beforeAll(async () => {
    h = await createHarness({ config: { AUTH_RATE_LIMIT_PER_MINUTE: '100000' } });
    const user = await createUser(h, { password: 'a requests passphrase' });
    cookie = `${h.app.modules.hosted.cookieName}=${await signInByForm(h, user)}`;
  });
  afterAll(() => h?.close());

  const page = (url: string, headers: Record<string, string> = {}) =>
    h.app.inject({ method: 'GET', url, headers: { accept: 'text/html', 'accept-language': 'en', ...headers } });
  const invalidLink = 'This link is invalid, already used or expired.';

  it('answers a mailed link whose token is given twice with the invalid-link page, as one without a token', async () => {
    for (const path of ['/verify-email', '/confirm-email-change', '/revert-email-change', '/reset-password']) {
      for (const query of ['token=a&token=b', '']) {
        const res = await page(`${path}?${query}`);
        expect([res.statusCode, res.headers['content-type']], `${path}?${query}`).toEqual([400, 'text/html; charset=utf-8']);
        expect(res.body).toContain(invalidLink);
        expect(res.body).not.toContain('a,b');
      }
    }
    const invitation = await page('/accept-invitation?token=a&token=b');
    expect(invitation.statusCode).toBe(400);
    expect(invitation.body).toContain('This invitation is invalid, already used or expired.');
    // A page that needs its token goes to the sign-in page without one, given twice or not at all.
    for (const path of ['/change-password', '/sign-in/second-factor', '/sign-in/enrol']) {
      const res = await page(`${path}?token=a&token=b`);
      expect([res.statusCode, res.headers.location], path).toEqual([303, expect.stringMatching(/^\/sign-in/)]);
    }
  });

  it('answers every page and file outside the API description, each parameter given twice, without a 5xx or the values joined', async () => {
    const documented = Object.keys((await h.app.inject({ method: 'GET', url: '/openapi.json' })).json().paths).map((path) =>
      path.replace(/\{[^}]+\}/g, 'x'),
    );
    const undocumented = routePaths(h.app.printRoutes({ commonPrefix: false }), 'GET')
      .map((path) => path.replace(/:[^/]+|\*/g, 'x'))
      // The console's and the documentation's built files read no parameter.
      .filter((path) => !documented.includes(path) && !/^\/(admin|docs)\/.+\./.test(path));
    expect(undocumented).toEqual(expect.arrayContaining(['/sign-in', '/verify-email', '/accept-invitation', '/account']));
    const failures: string[] = [];
    for (const path of undocumented) {
      for (const parameter of pageParameters) {
        for (const signedIn of [false, true]) {
          const url = `${path}?${parameter}=a&${parameter}=b`;
          const res = await page(url, signedIn ? { cookie } : {});
          if (res.statusCode >= 500 || (String(res.headers['content-type']).startsWith('text/html') && res.body.includes('a,b')))
            failures.push(`${url}${signedIn ? ' (signed in)' : ''}: ${res.statusCode} ${res.body.slice(0, 120)}`);
        }
      }
    }
    expect(failures).toEqual([]);
    // Every page times every parameter, signed out and in, one request after another: each new page adds to it.
  }, 90_000);

  /** A passkey button's call (passkeys.js): JSON from this origin, asking for JSON. */
  const script = (url: string, payload: Record<string, unknown>, headers: Record<string, string> = {}) =>
    h.app.inject({
      method: 'POST',
      url,
      headers: { origin: 'https://tessera.test', accept: 'application/json', 'content-type': 'application/json', ...headers },
      payload: JSON.stringify(payload),
    });
  const expectProblem = (res: Awaited<ReturnType<typeof script>>, status: number, code: string) => {
    expect([res.statusCode, res.headers['content-type']], res.body).toEqual([status, 'application/problem+json; charset=utf-8']);
    expect(res.json()).toMatchObject({ status, code });
  };
  const sessionCsrf = () => h.app.modules.hosted.csrfToken(cookie.split('=')[1]);

  it('refuses a passkey call whose fields are not what the button sends with VALIDATION_FAILED, before anything runs', async () => {
    expectProblem(await script('/sign-in/second-factor/passkey-options', { csrf: 'anonymous', token: { a: 1 } }), 400, 'VALIDATION_FAILED');
    expectProblem(
      await script('/sign-in/second-factor/passkey', { csrf: 'anonymous', token: ['x'], challengeId: 'second-factor', response: {} }),
      400,
      'VALIDATION_FAILED',
    );
    expectProblem(await script('/sign-in/passkey', { csrf: 'anonymous', challengeId: ['x'], response: {} }), 400, 'VALIDATION_FAILED');
    expectProblem(await script('/sign-in/passkey/options', { csrf: 'anonymous', return_to: 7 }), 400, 'VALIDATION_FAILED');
    expectProblem(await script('/account/passkeys', { csrf: sessionCsrf(), challengeId: { a: 1 } }, { cookie }), 400, 'VALIDATION_FAILED');
    expectProblem(await script('/account/passkeys/options', { csrf: sessionCsrf(), name: { a: 1 } }, { cookie }), 400, 'FIELD_NOT_ALLOWED');
  });

  it('answers every hosted form or call with its fields sent as objects without a 5xx: each reads its body through a schema', async () => {
    const documented = Object.keys((await h.app.inject({ method: 'GET', url: '/openapi.json' })).json().paths);
    const posts = routePaths(h.app.printRoutes({ commonPrefix: false }), 'POST').filter((path) => !documented.includes(path));
    expect(posts).toEqual(expect.arrayContaining(['/sign-in', '/sign-in/passkey', '/account/passkeys']));
    // Every field a page or a passkey button sends but the CSRF token, which each request gets right to reach its handler.
    const fields = [
      'token',
      'challengeId',
      'response',
      'return_to',
      'rememberDevice',
      'identifier',
      'password',
      'code',
      'method',
      'factor',
    ];
    const objects = Object.fromEntries(fields.map((field) => [field, { a: 1 }]));
    const failures: string[] = [];
    for (const path of posts) {
      for (const signedIn of [false, true]) {
        const res = await script(path, { csrf: signedIn ? sessionCsrf() : 'anonymous', ...objects }, signedIn ? { cookie } : {});
        if (res.statusCode >= 500) failures.push(`${path}${signedIn ? ' (signed in)' : ''}: ${res.statusCode} ${res.body.slice(0, 160)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('answers a passkey call of a browser that is not signed in with problem+json 401, which the button reads as a failure', async () => {
    for (const url of ['/account/passkeys/options', '/account/passkeys']) {
      const res = await script(
        url,
        url.endsWith('options') ? { csrf: 'anonymous' } : { csrf: 'anonymous', challengeId: 'c'.repeat(16), response: attestationLike },
      );
      expectProblem(res, 401, 'UNAUTHORIZED');
      expect(res.json().detail).toEqual(expect.any(String));
    }
  });

  it('answers an avatar form with a second file, or its file under another name, with the page and its error, storing nothing', async () => {
    // A session of its own: the forms walked above include the sign-out.
    const person = await createUser(h, { password: 'an avatar passphrase' });
    const session = await signInByForm(h, person);
    const boundary = 'avatar-boundary';
    const part = (name: string, filename?: string) =>
      filename
        ? `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: image/png\r\n\r\nxx\r\n`
        : `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${h.app.modules.hosted.csrfToken(session)}\r\n`;
    const upload = (...parts: string[]) =>
      h.app.inject({
        method: 'POST',
        url: '/account/avatar',
        headers: {
          cookie: `${h.app.modules.hosted.cookieName}=${session}`,
          'sec-fetch-site': 'same-origin',
          'content-type': `multipart/form-data; boundary=${boundary}`,
        },
        payload: `${parts.join('')}--${boundary}--\r\n`,
      });
    for (const [parts, error] of [
      [[part('csrf'), part('file', 'a.png'), part('file', 'b.png')], 'Choose one image file.'],
      [[part('csrf'), part('picture', 'a.png')], 'Choose an image file.'],
    ] as const) {
      const res = await upload(...parts);
      expect([res.statusCode, res.headers['content-type']], res.body).toEqual([400, 'text/html; charset=utf-8']);
      expect(res.body).toContain(error);
    }
    const stored = await h.app.modules.hosted.account.profile(
      { ipAddress: null, userAgent: null, requestId: null },
      { userId: person.id, sessionId: '', authTime: new Date(), amr: [], organizationId: null },
    );
    expect(stored.profile.avatarUrl).toBeNull();
  });

  it('answers a browser whose page fails on our side with a page in its language and a reference, a script with problem+json', async () => {
    // A session of its own: the forms walked above include the sign-out.
    const person = await createUser(h, { password: 'a failing passphrase' });
    const cookie = `${h.app.modules.hosted.cookieName}=${await signInByForm(h, person)}`;
    const db = h.context.database.primary;
    // A table the account page reads is gone (a failed upgrade, say): the page cannot be drawn.
    await db.execute(sql.raw('ALTER TABLE mfa_remembered_devices RENAME TO mfa_remembered_devices_away'));
    try {
      const refused = await page('/account?lang=de', { cookie });
      expect([refused.statusCode, refused.headers['content-type']], refused.body).toEqual([500, 'text/html; charset=utf-8']);
      expect(refused.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(refused.headers['cache-control']).toBe('no-store');
      expect(refused.body).toContain('<html lang="de">');
      expect(refused.body).toContain('Bei uns ist etwas schiefgelaufen.');
      expect(refused.body).toContain(String(refused.headers['x-request-id']));
      // Nothing of the failure itself is shown.
      expect(refused.body).not.toMatch(/mfa_remembered_devices|relation|stack/i);
      const scripted = await h.app.inject({ method: 'GET', url: '/account', headers: { cookie, accept: 'application/json' } });
      expect([scripted.statusCode, scripted.headers['content-type']]).toEqual([500, 'application/problem+json; charset=utf-8']);
      expect(scripted.json()).toMatchObject({ status: 500, code: 'INTERNAL_ERROR' });
    } finally {
      await db.execute(sql.raw('ALTER TABLE mfa_remembered_devices_away RENAME TO mfa_remembered_devices'));
    }
    expect((await page('/account', { cookie })).statusCode).toBe(200);
  });

  /** A reset form as a browser posts it, signed out unless `headers` say otherwise, a password typed into it. */
  const postReset = (headers: Record<string, string> = {}) =>
    h.app.inject({
      method: 'POST',
      url: '/reset-password',
      headers: {
        accept: 'text/html',
        'accept-language': 'en',
        'content-type': 'application/x-www-form-urlencoded',
        'sec-fetch-site': 'same-origin',
        ...headers,
      },
      payload: new URLSearchParams({ csrf: 'anonymous', token: 'a-mailed-token', password: 'a typed passphrase' }).toString(),
    });

  /** The page leads back to the reset form as it was opened: a GET form holding the token, never the typed password. */
  function expectWayBackToReset(body: string) {
    const back = body.match(/<form method="get" action="([^"]*)">([\s\S]*?)<\/form>/);
    expect(back?.[1]).toBe('/reset-password');
    expect(back?.[2]).toContain('<input type="hidden" name="token" value="a-mailed-token">');
    expect(body).not.toContain('a typed passphrase');
  }

  it('reopens a form that failed on our side as it was opened, its token kept in a GET form, never what was typed', async () => {
    const db = h.context.database.primary;
    // The table a reset reads its link from is gone: the post fails after it was read.
    await db.execute(sql.raw('ALTER TABLE one_time_tokens RENAME TO one_time_tokens_away'));
    try {
      const res = await postReset();
      expect([res.statusCode, res.headers['content-type']], res.body).toEqual([500, 'text/html; charset=utf-8']);
      expectWayBackToReset(res.body);
      expect(res.body).not.toMatch(/one_time_tokens|relation/);
    } finally {
      await db.execute(sql.raw('ALTER TABLE one_time_tokens_away RENAME TO one_time_tokens'));
    }
  });

  it('answers a browser at an address beneath a page that nothing serves with a page saying so and a link to that page', async () => {
    for (const [url, nearest] of [
      ['/account/settings', '/account'],
      ['/sign-in/second-factor/nothing', '/sign-in/second-factor'],
      ['/reset-password/x?token=abc', '/reset-password'],
    ] as const) {
      const res = await page(url, { 'accept-language': 'de' });
      expect([res.statusCode, res.headers['content-type']], url).toEqual([404, 'text/html; charset=utf-8']);
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(res.body).toContain('<html lang="de">');
      expect(res.body).toContain('Unter dieser Adresse gibt es keine Seite.');
      expect(res.body).toContain(`<a href="${nearest}">`);
    }
    // A script, and an address beneath the API's or the console's, still get problem+json (a page's address with a
    // trailing slash too: only a browser is sent on).
    const scripted = await h.app.inject({ method: 'GET', url: '/account/', headers: { accept: 'application/json' } });
    expect([scripted.statusCode, scripted.json().code]).toEqual([404, 'ROUTE_NOT_FOUND']);
    for (const url of ['/users/me/nothing', '/admin/assets/nope.js', '/nothing']) {
      const res = await page(url);
      expect([res.statusCode, res.headers['content-type']], url).toEqual([404, 'application/problem+json; charset=utf-8']);
    }
  });

  it('leads from a form made for another sign-in back to its page as it was opened, token and all, never what was typed', async () => {
    const user = await createUser(h);
    // A reset form opened signed out (its CSRF token is the signed-out one), sent after signing in in another tab.
    const signedIn = await signInByForm(h, user);
    const res = await postReset({ cookie: `${h.app.modules.hosted.cookieName}=${signedIn}` });
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('Nothing was changed');
    expectWayBackToReset(res.body);
    expect(res.body).toContain('Open the page again');
  });

  it("sends a browser at a page's own address with a trailing slash to the page, its query kept (a mailed link's token)", async () => {
    for (const [url, canonical] of [
      ['/reset-password/?token=abc', '/reset-password?token=abc'],
      ['/verify-email//?token=a%2Bb&lang=de', '/verify-email?token=a%2Bb&lang=de'],
      ['/account/', '/account'],
      ['/sign-in/?return_to=%2Faccount', '/sign-in?return_to=%2Faccount'],
      ['/sign-in/second-factor/', '/sign-in/second-factor'],
    ] as const) {
      const res = await page(url);
      expect([res.statusCode, res.headers.location], url).toEqual([308, canonical]);
    }
    // The page it leads to is the one the link meant: the reset form, holding the token.
    const followed = await page('/reset-password?token=abc');
    expect(followed.body).toContain('<input type="hidden" name="token" value="abc">');
    // A form's post is not redirected (its body would be sent again somewhere else): it is refused as before.
    const posted = await h.app.inject({
      method: 'POST',
      url: '/reset-password/',
      headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'token=abc&password=x',
    });
    expect(posted.statusCode).toBe(404);
    // Nothing but a slash is taken off: an address that would lead elsewhere is not a page's.
    expect((await page('//example.com/')).statusCode).toBe(404);
  });
});
