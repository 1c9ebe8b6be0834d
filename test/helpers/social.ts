import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import { routeHost } from './hosts.js';
import { listenTls, testTls } from './op.js';

interface Person {
  id: string;
  name: string;
  email: string | null;
  emailVerified: boolean;
}

/**
 * GitHub and Facebook as far as sign-in goes, at their documented URLs (routed here by hosts.ts): the
 * authorization page (which consents at once for `person`), the token endpoint (client, code, redirect
 * URI and PKCE checked) and the user APIs (GitHub's /user and /user/emails, Facebook's /me).
 */
export async function startSocialProviders(clients: Record<'github' | 'facebook', { id: string; secret: string }>) {
  const codes = new Map<string, { person: Person; redirectUri: string; challenge: string; clientId: string }>();
  const tokens = new Map<string, Person>();
  const social = { person: { id: '1', name: 'Grace Hopper', email: 'grace@example.com', emailVerified: true } as Person };

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const readForm = async (req: IncomingMessage) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    return new URLSearchParams(raw);
  };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', `https://${req.headers.host}`);
    const site = url.hostname.endsWith('github.com') ? 'github' : 'facebook';
    if (url.pathname === '/login/oauth/authorize' || url.pathname === '/v23.0/dialog/oauth') {
      const code = randomBytes(16).toString('hex');
      const redirectUri = url.searchParams.get('redirect_uri') ?? '';
      const challenge = url.searchParams.get('code_challenge') ?? '';
      codes.set(code, { person: { ...social.person }, redirectUri, challenge, clientId: url.searchParams.get('client_id') ?? '' });
      const back = new URL(redirectUri);
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      return res.writeHead(302, { location: back.toString() }).end();
    }
    if (url.pathname === '/login/oauth/access_token' || url.pathname === '/v23.0/oauth/access_token') {
      const form = await readForm(req);
      const grant = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      const client = clients[site];
      const verified = createHash('sha256')
        .update(form.get('code_verifier') ?? '')
        .digest('base64url');
      if (!grant || form.get('client_id') !== client.id || form.get('client_secret') !== client.secret) {
        return json(res, 400, { error: 'invalid_grant' });
      }
      if (grant.redirectUri !== form.get('redirect_uri') || grant.challenge !== verified) return json(res, 400, { error: 'invalid_grant' });
      const token = randomBytes(16).toString('hex');
      tokens.set(token, grant.person);
      return json(res, 200, { access_token: token, token_type: 'bearer', scope: 'read:user,user:email', expires_in: 3600 });
    }
    const person = tokens.get(req.headers.authorization?.replace(/^(Bearer|token) /i, '') ?? '');
    if (!person) return json(res, 401, { message: 'Bad credentials' });
    if (url.pathname === '/user')
      return json(res, 200, { id: Number(person.id), login: 'ghopper', name: person.name, avatar_url: 'https://avatars.example/g.png' });
    if (url.pathname === '/user/emails') {
      return json(res, 200, person.email ? [{ email: person.email, primary: true, verified: person.emailVerified, visibility: null }] : []);
    }
    if (url.pathname === '/v23.0/me') {
      return json(res, 200, {
        id: person.id,
        name: person.name,
        ...(person.email ? { email: person.email } : {}),
        picture: { data: { url: 'https://pics.example/g.jpg' } },
      });
    }
    return json(res, 404, { message: 'Not Found' });
  }

  const server = createServer(testTls(), (req, res) => {
    handle(req, res).catch((error) => json(res, 500, { message: String(error) }));
  });
  const port = await listenTls(server);
  for (const host of ['github.com', 'api.github.com', 'www.facebook.com', 'graph.facebook.com']) routeHost(host, port);
  return Object.assign(social, { close: () => new Promise<void>((resolve) => server.close(() => resolve())) });
}
