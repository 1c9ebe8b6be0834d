import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { decodeJwt, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';

export interface TestAccount {
  email?: string;
  email_verified?: boolean;
  given_name?: string;
  family_name?: string;
  name?: string;
  picture?: string;
}

/** The test CA's server certificate (test/helpers/tls-setup.ts): every local provider serves HTTPS with it. */
export function testTls() {
  const dir = process.env.TESSERA_TEST_TLS_DIR;
  if (!dir) throw new Error('TESSERA_TEST_TLS_DIR is not set: run through vitest (test/helpers/tls-setup.ts)');
  return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
}

export async function listenTls(server: Server) {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/**
 * A real OpenID Provider (panva's oidc-provider) over TLS on a loopback port. Its interactions sign in
 * whoever `signInAs` names and consent at once; `tamperIdToken` re-signs the ID token its token endpoint
 * hands out, with the provider's own key, so only the claims are wrong.
 */
export async function startOpenIdProvider(options: { clientId: string; clientSecret: string; redirectUris: string[]; host?: string }) {
  const server = createServer(testTls());
  const port = await listenTls(server);
  const issuer = options.host ? `https://${options.host}` : `https://localhost:${port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk: JWK = { ...(await exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const accounts = new Map<string, TestAccount>();
  const op = {
    issuer,
    port,
    accounts,
    signInAs: 'alice',
    /** Seconds an authorization code lives. */
    codeTtl: 60,
    tamperIdToken: undefined as ((claims: Record<string, unknown>) => Record<string, unknown>) | undefined,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const codeLifetime = () => op.codeTtl;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: options.clientId,
        client_secret: options.clientSecret,
        redirect_uris: options.redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    findAccount: async (_ctx, sub) => {
      const account = accounts.get(sub);
      return account ? { accountId: sub, claims: async () => ({ sub, ...account }) } : undefined;
    },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'given_name', 'family_name', 'picture'] },
    jwks: { keys: [jwk] },
    cookies: { keys: ['tessera-test-cookie-key'] },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: { AuthorizationCode: codeLifetime, Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
  });
  provider.use(async (ctx: KoaContextWithOIDC, next: () => Promise<void>) => {
    if (ctx.path.startsWith('/interaction/')) {
      const details = await provider.interactionDetails(ctx.req, ctx.res);
      let result: Record<string, unknown>;
      if (details.prompt.name === 'login') result = { login: { accountId: op.signInAs } };
      else {
        const grant = new provider.Grant({
          accountId: details.session?.accountId ?? op.signInAs,
          clientId: String(details.params.client_id),
        });
        grant.addOIDCScope(String(details.params.scope));
        await grant.save();
        result = { consent: { grantId: grant.jti } };
      }
      ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: true }));
      return;
    }
    await next();
    const body = ctx.body as { id_token?: string } | undefined;
    if (ctx.path === '/token' && op.tamperIdToken && body?.id_token) {
      const claims = op.tamperIdToken(decodeJwt(body.id_token) as Record<string, unknown>);
      body.id_token = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'test-key' }).sign(privateKey);
    }
  });
  server.on('request', provider.callback());
  return op;
}

export type TestProvider = Awaited<ReturnType<typeof startOpenIdProvider>>;
