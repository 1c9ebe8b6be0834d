import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse } from 'node:querystring';
import type { JWK } from 'jose';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { AppContext } from '../../context.js';
import type { Executor } from '../../db/client.js';
import { loggedUrl } from '../../http/logged-url.js';
import { passedOnWithMethods } from '../../http/served-methods.js';
import type { Caller } from '../../platform/caller.js';
import { unstorableText } from '../../platform/json-limits.js';
import { repeatAfterEachPass } from '../../platform/repeating.js';
import type { Emit } from '../../platform/use-case.js';
import { ensureSigningKey, KEY_ALGORITHMS, loadPrivateJwks } from '../auth/service.js';
import type { DomainEvent, DomainUseCases } from '../events.js';
import type { PageWords } from '../hosted/service.js';
import type { OrganizationsService } from '../organizations/service.js';
import type { UsersService } from '../users/service.js';
import { databaseAdapter } from './adapter.js';
import type { Applications } from './applications.js';
import { type BrowserSessionOf, followBrowserSessions } from './browser-sign-in.js';
import { createAccountFinder } from './claims.js';
import { buildProvider, MOUNT } from './provider.js';
import { errors } from './provider-library.js';
import { errorPage } from './views.js';

type RuntimeLog = { warn(details: object, message: string): void; error(details: object, message: string): void };

/**
 * Requests offered to the provider: its endpoints under /oidc (but the interaction pages, which are Tessera's) and
 * discovery. Those it has no route for come back to Tessera's routes (see `unrouted`).
 */
export const isProviderPath = (url: string) =>
  url.startsWith('/.well-known/openid-configuration') || (url.startsWith(`${MOUNT}/`) && !url.startsWith(`${MOUNT}/interaction/`));

/**
 * The methods the provider serves each of its paths with (oidc-provider's initialize_app.js, for the features
 * provider.ts enables; HEAD wherever GET, OPTIONS where it answers cross-origin preflights). Its router folds case
 * and takes one trailing slash; so does `providerMethods`. test/oidc.requests.test.ts checks the table against the
 * provider, method by method.
 */
const PROVIDER_METHODS: Readonly<Record<string, readonly string[]>> = {
  '/.well-known/openid-configuration': ['GET', 'HEAD', 'OPTIONS'],
  [`${MOUNT}/auth`]: ['GET', 'HEAD'],
  [`${MOUNT}/token`]: ['OPTIONS', 'POST'],
  [`${MOUNT}/token/introspection`]: ['OPTIONS', 'POST'],
  [`${MOUNT}/token/revocation`]: ['OPTIONS', 'POST'],
  [`${MOUNT}/me`]: ['GET', 'HEAD', 'OPTIONS', 'POST'],
  [`${MOUNT}/jwks`]: ['GET', 'HEAD', 'OPTIONS'],
  [`${MOUNT}/request`]: ['OPTIONS', 'POST'],
  [`${MOUNT}/session/end`]: ['GET', 'HEAD'],
  [`${MOUNT}/session/end/confirm`]: ['POST'],
  [`${MOUNT}/session/end/success`]: ['GET', 'HEAD'],
};
/** An authorization request's resume, `/oidc/auth/:uid`. */
const RESUME = new RegExp(`^${MOUNT}/auth/[^/]+$`);

/** The methods the provider serves a path with, or undefined for a path it does not serve. */
export function providerMethods(path: string): readonly string[] | undefined {
  let folded = path.toLowerCase();
  if (folded.length > 1 && folded.endsWith('/')) folded = folded.slice(0, -1);
  return PROVIDER_METHODS[folded] ?? (RESUME.test(folded) ? PROVIDER_METHODS[`${MOUNT}/auth`] : undefined);
}

/**
 * U+0000 in a parameter: PostgreSQL cannot store the character, so a client id, code, token or state holding it
 * would fail the provider's first lookup or write as a server error. Refused first, as the provider's invalid_request.
 */
const NUL_REFUSED = 'parameters must not contain the NUL character (U+0000)';

/** Whether a request's address holds U+0000, escaped (%00) or not, in its path (the resume's uid) or its query. */
function addressHoldsNul(url: string) {
  const at = url.indexOf('?');
  const path = at < 0 ? url : url.slice(0, at);
  let decoded = path;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    // A broken escape is the router's to refuse; the raw path is checked as it is.
  }
  return decoded.includes('\0') || (at >= 0 && unstorableText(parse(url.slice(at + 1)), '').length > 0);
}

/** The authorization endpoint (and its resume) answers what it cannot send back to the application as its error page. */
const answersWithPage = (path: string) => path === `${MOUNT}/auth` || path.startsWith(`${MOUNT}/auth/`);

/**
 * The provider's answer to an invalid request, as its error handlers write it (oidc-provider's shared/error_handler.js,
 * authorization_error_handler.js): 400, the authorization endpoint's error page (it cannot redirect a request it will
 * not read), else OAuth's JSON error, or the same page to a browser.
 */
async function answerInvalidRequest(req: IncomingMessage, res: ServerResponse, pageWords: RuntimeDeps['pageWords'], description: string) {
  const out = { error: 'invalid_request', error_description: description };
  const path = (req.url ?? '').split('?')[0] ?? '';
  res.statusCode = 400;
  res.setHeader('cache-control', 'no-store');
  if (answersWithPage(path) || req.headers.accept?.includes('text/html')) {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(errorPage(await pageWords(req), out));
  } else {
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.end(JSON.stringify(out));
  }
}

/**
 * A body holding U+0000 is refused where the provider's own parser hands it to the request's context: the parser
 * answers anything thrown there as a body it cannot read (invalid_request), in each endpoint's own format. Reading
 * the body before the provider would mean handing it over again through a fallback the library warns against.
 */
function refuseNulInBodies(provider: Provider) {
  const bodies = new WeakMap<object, unknown>();
  Object.defineProperty(provider.OIDCContext.prototype, 'body', {
    configurable: true,
    get(this: object) {
      return bodies.get(this);
    },
    set(this: object, body: unknown) {
      if (unstorableText(body, '').length > 0) throw new errors.InvalidRequest(NUL_REFUSED);
      bodies.set(this, body);
    },
  });
}

export interface RuntimeDeps {
  useCases: DomainUseCases;
  applications: Applications;
  organizations: OrganizationsService;
  users: Pick<UsersService, 'findById' | 'findProfile'>;
  apiResource: string;
  /**
   * Ends, within the logout's use case, the person's Tessera browser session a request names (RP-initiated logout);
   * the Set-Cookie that forgets it.
   */
  endBrowserSession(tx: Executor, emit: Emit<DomainEvent>, req: IncomingMessage): Promise<string>;
  /** Who is signed in to Tessera in a request's browser: the provider's sign-in never outlives it. */
  browserSession: BrowserSessionOf;
  /** The hosted pages' words in a request's language, for the provider's own pages. */
  pageWords(req: IncomingMessage): Promise<PageWords>;
}

/**
 * The provider builds every URL it publishes from the request; they must be the issuer's (PUBLIC_URL)
 * whatever Host a request came with. So it is told the issuer's host and scheme as a proxy would tell it,
 * and a client's own X-Forwarded-For is only believed when TRUST_PROXY says there is a proxy.
 */
export function asIssuerRequest(req: IncomingMessage, publicUrl: URL, trustProxy: boolean) {
  req.headers['x-forwarded-host'] = publicUrl.host;
  req.headers['x-forwarded-proto'] = publicUrl.protocol.slice(0, -1);
  if (!trustProxy) delete req.headers['x-forwarded-for'];
  return req;
}

const callerOf = (ctx: KoaContextWithOIDC): Caller => ({
  ipAddress: ctx.ip ?? null,
  userAgent: ctx.get('user-agent') || null,
  requestId: null,
});

/**
 * The provider as it runs on this node: built from the signing keys (all kinds, made on first start) and
 * rebuilt when they change (a rotation here or on another node), so the JWKS and the signatures follow
 * `tessera keys rotate` like Tessera's own tokens.
 */
export function createProviderRuntime(context: AppContext, deps: RuntimeDeps) {
  const { config } = context;
  const db = context.database.primary;
  const adapter = databaseAdapter(db, deps.applications.clientById);
  const findAccount = createAccountFinder(context, deps.organizations, deps.users);
  let current: { kids: string; keys: JWK[]; provider: Provider; handle: ReturnType<Provider['callback']> } | undefined;
  let loading: Promise<NonNullable<typeof current>> | undefined;
  let reloading: ReturnType<typeof repeatAfterEachPass> | undefined;
  const publicUrl = new URL(config.PUBLIC_URL);
  /** Requests the provider handed back because none of its routes matched them. */
  const unrouted = new WeakSet<IncomingMessage>();
  /** The node's log until a request's own is at hand (the Fastify request's, which middie hands the raw request). */
  let nodeLog: RuntimeLog | undefined;

  /** Audit rows for what happens inside the provider, written in a use case of their own. */
  const audit = (ctx: KoaContextWithOIDC, event: DomainEvent) => deps.useCases.run(callerOf(ctx), async (_tx, emit) => emit(event));

  function build(keys: JWK[]) {
    const provider = buildProvider({
      config,
      jwks: keys,
      adapter,
      findAccount,
      apiResource: deps.apiResource,
      pageWords: deps.pageWords,
      // One use case: Tessera's browser session ends with the logout's audit row, or neither does, and the request
      // fails (the person is still signed in, and may sign out again). The provider's own session cannot join it: the
      // library has ended it through the adapter, outside any transaction, before this runs; what signs the person in
      // again is Tessera's session, which the provider follows (browser-sign-in.ts).
      onLogout: async (ctx, accountId, clientId) => {
        const forget = await deps.useCases.run(callerOf(ctx), async (tx, emit) => {
          const setCookie = await deps.endBrowserSession(tx, emit, ctx.req);
          if (accountId) await emit({ type: 'oidc.logout', entityId: accountId, payload: { clientId: clientId ?? null } });
          return setCookie;
        });
        ctx.append('Set-Cookie', forget);
      },
    });
    refuseNulInBodies(provider);
    // The provider answers its own failures (500 server_error, "oops! something went wrong") and logs nothing: each
    // is logged as a failed Tessera request is, with its cause and its address less the secrets in its query.
    provider.on('server_error', (ctx: KoaContextWithOIDC, error: unknown) => {
      const log = (ctx.req as IncomingMessage & { log?: RuntimeLog }).log ?? nodeLog;
      log?.error({ err: error, method: ctx.method, url: loggedUrl(ctx.originalUrl) }, 'OpenID provider request failed');
    });
    provider.on('authorization.success', (ctx: KoaContextWithOIDC) => {
      const { session, client, params } = ctx.oidc;
      if (!session?.accountId || !client) return;
      const scopes = String(params?.scope ?? '')
        .split(' ')
        .filter(Boolean);
      const amr = (session.amr as string[] | undefined) ?? [];
      void audit(ctx, { type: 'oidc.authorized', entityId: session.accountId, payload: { clientId: client.clientId, scopes, amr } }).catch(
        () => undefined,
      );
    });
    // The sign-in an authorization request (or its resume) finds is the live Tessera browser session's (browser-sign-in.ts).
    followBrowserSessions(provider, deps.browserSession);
    // A request none of the provider's routes takes (an unknown path under /oidc, a wrong method) is left to
    // Tessera's not-found handler, the provider writing nothing for it: an unknown path is 404 like any unknown
    // route, and a path the provider serves with other methods 405 with their Allow (see `middleware`).
    // OPTIONS that is not a preflight (no Access-Control-Request-Method) on an endpoint that answers preflights: the
    // provider's CORS step lets it through and nothing answers it (Koa's text/plain 404). Answered as OPTIONS is
    // answered where it is served: 204, with Allow naming the path's methods.
    provider.use(async (ctx, next) => {
      await next();
      const allow = ctx.method === 'OPTIONS' && ctx.status === 404 && ctx.body === undefined ? providerMethods(ctx.path) : undefined;
      if (!allow?.includes('OPTIONS')) return;
      ctx.status = 204;
      ctx.set('allow', allow.join(', '));
    });
    provider.use(async (ctx, next) => {
      await next();
      if ((ctx as KoaContextWithOIDC).oidc) return;
      ctx.respond = false;
      unrouted.add(ctx.req);
    });
    provider.use(async (ctx, next) => {
      await next();
      const oidc = (ctx as KoaContextWithOIDC).oidc;
      if (oidc?.route !== 'revocation' || ctx.status !== 200 || !oidc.client) return;
      const token = oidc.entities.RefreshToken ?? oidc.entities.AccessToken ?? oidc.entities.ClientCredentials;
      if (!token) return;
      await audit(ctx as KoaContextWithOIDC, {
        type: 'oidc.token_revoked',
        entityId: (await deps.applications.byClientId(oidc.client.clientId))?.id ?? null,
        payload: { clientId: oidc.client.clientId, kind: token.kind },
      });
    });
    return provider;
  }

  async function load(ensure: boolean) {
    if (ensure) await ensureSigningKey(db, config, [...KEY_ALGORITHMS]);
    const keys = await loadPrivateJwks(db, config);
    const kids = keys.map((key) => key.kid).join(',');
    if (current?.kids !== kids) {
      const provider = build(keys);
      current = { kids, keys, provider, handle: provider.callback() };
    }
    return current;
  }

  /** The provider, loading (and on a new database making) its keys on first use. */
  const ready = () => {
    if (current) return Promise.resolve(current);
    loading ??= load(true).finally(() => {
      loading = undefined;
    });
    return loading;
  };

  return {
    provider: async () => (await ready()).provider,
    /** A request of an interaction page, as the provider must see it (see asIssuerRequest). */
    issuerRequest: (req: IncomingMessage) => asIssuerRequest(req, publicUrl, config.TRUST_PROXY),
    /** Every usable signing key as a private JWK (for the API's check of the provider's access tokens). */
    keys: async () => (await ready()).keys,

    /** Connect-style handler for the provider's requests; any other request goes on to Fastify's routes. */
    middleware(req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) {
      if (!isProviderPath(req.url ?? '')) return next();
      if (addressHoldsNul(req.url ?? '')) {
        answerInvalidRequest(req, res, deps.pageWords, NUL_REFUSED).catch(next);
        return;
      }
      ready().then(async ({ handle }) => {
        await handle(asIssuerRequest(req, publicUrl, config.TRUST_PROXY), res);
        if (!unrouted.has(req)) return;
        const methods = providerMethods((req.url ?? '').split('?')[0] ?? '');
        if (methods) passedOnWithMethods(req, methods);
        next();
      }, next);
    },

    async start(log: RuntimeLog) {
      nodeLog = log;
      // In the background: a first start makes an RSA key, which must not hold up the node's readiness.
      ready().catch((error: unknown) => log.warn({ err: error }, 'OpenID provider keys not loaded yet; will retry on first use'));
      reloading = repeatAfterEachPass(() => load(false), config.SIGNING_KEY_RELOAD_INTERVAL, {
        onFailure: (error) => log.warn({ err: error }, 'OpenID provider keys not reloaded; keeping the ones held'),
      });
    },
    /** Rereads the keys now (after `tessera keys rotate`), as the timer would. */
    reloadKeys: () => load(false),
    stop() {
      reloading?.stop();
      reloading = undefined;
    },
  };
}

export type ProviderRuntime = ReturnType<typeof createProviderRuntime>;
