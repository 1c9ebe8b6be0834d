import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import FindMyWay from 'find-my-way';
import type { AppError } from './errors.js';

/** How the routes of an instance answer a method their path is not served with (the hosted pages: a page for a browser). */
export type WrongMethodAnswer = (request: FastifyRequest, reply: FastifyReply, refusal: AppError) => unknown;

/** How the routes of an instance answer an address beneath one of theirs that no route serves (the hosted pages: a page). */
export type MissingPathAnswer = WrongMethodAnswer;

declare module 'fastify' {
  interface FastifyInstance {
    /** Set by `answerWrongMethodsWith` on an instance whose routes (and its children's) answer a wrong method their own way. */
    wrongMethodAnswer?: WrongMethodAnswer;
    /** Set by `answerMissingPathsWith` on an instance whose routes answer an address beneath theirs their own way. */
    missingPathAnswer?: MissingPathAnswer;
  }
}

/** The methods a request's path is served with (the Allow header's), and how its routes answer another. */
export interface ServedPath {
  allow: string;
  answer?: WrongMethodAnswer;
}

/** A route's own answers to a wrong method and to an address beneath its own, kept with it in the lookup router. */
interface RouteStore {
  answer?: WrongMethodAnswer;
  missing?: MissingPathAnswer;
}

/**
 * Routes registered on `instance` from now on, and on its children, answer a method their path is not served with
 * through `answer`; others get the core's problem+json. Registered before the instance's routes.
 */
export function answerWrongMethodsWith(instance: FastifyInstance, answer: WrongMethodAnswer) {
  instance.decorate('wrongMethodAnswer', answer);
}

/**
 * An address no route serves whose nearest served address above it (`/account/` → `/account`, `/account/x` →
 * `/account`) is a GET route registered on `instance` from now on, or on its children, is answered through `answer`;
 * others get the core's problem+json. Registered before the instance's routes.
 */
export function answerMissingPathsWith(instance: FastifyInstance, answer: MissingPathAnswer) {
  instance.decorate('missingPathAnswer', answer);
}

/** Requests a mounted server (the OpenID provider) passed on although it serves their path, with its methods there. */
const mountedMethods = new WeakMap<IncomingMessage, readonly string[]>();

/**
 * Said by a mounted server (a module's raw middleware) passing a request on that it serves the path of with other
 * methods: the not-found handler then answers 405 with them as Allow, as for the paths of Tessera's own routes.
 */
export function passedOnWithMethods(req: IncomingMessage, methods: readonly string[]) {
  mountedMethods.set(req, methods);
}

/** A route on every path (the CORS preflight's `OPTIONS *`) says nothing about which paths exist. */
const CATCH_ALL = new Set(['*', '/*']);

type RegisteredRoute = RouteOptions & { routePath: string; prefix: string };

/**
 * The paths a route answers on. A prefix's own `/` route answers with and without the trailing slash
 * (`prefixTrailingSlash: 'both'`, Fastify's default), and Fastify reports only the first to `onRoute`.
 */
const pathsOf = (route: RegisteredRoute) =>
  route.routePath === '' && route.prefix !== '' && (route.prefixTrailingSlash ?? 'both') === 'both'
    ? [route.url, `${route.url}/`]
    : [route.url];

/** The router's matching options as Fastify's own router has them, so both match a URL alike. */
function lookupRouter(app: FastifyInstance) {
  const { routerOptions = {}, caseSensitive } = app.initialConfig;
  const { ignoreTrailingSlash, ignoreDuplicateSlashes, maxParamLength, allowUnsafeRegex } = routerOptions;
  return FindMyWay({ caseSensitive, ignoreTrailingSlash, ignoreDuplicateSlashes, maxParamLength, allowUnsafeRegex });
}

/** A route's method and path as `onRoute` reported them, kept until the first lookup. */
interface Served {
  method: FindMyWay.HTTPMethod;
  path: string;
  constraints: RouteOptions['constraints'];
  store: RouteStore;
}

/**
 * The router of every served method and path, built at the first lookup: a request for a method its path is not
 * served with comes long after the routes are registered, and building it as they are took a node's start 0.1 s.
 */
function servedRouter(app: FastifyInstance, served: Served[]) {
  const router = lookupRouter(app);
  // Kept sorted: the order the Allow header lists them in.
  const methods = [...new Set(served.map(({ method }) => method))].sort();
  const noHandler = () => undefined;
  for (const { method, path, constraints = {}, store } of served) {
    // Fastify's own HEAD for a GET route may meet a HEAD route declared for the same path.
    if (!router.hasRoute(method, path, constraints)) router.on(method, path, { constraints }, noHandler, store);
  }
  return { router, methods };
}

/**
 * Keeps every route's method and path for a router of its own (Fastify looks a concrete URL up only for the request's
 * own method), and returns the lookups its not-found handler asks. `servedPath`: the methods a path is served with, or
 * undefined when no route serves it, or when one serving the request's own method passed it on as not found (a file
 * the console does not have). A mounted server's path answers with the methods it said (`passedOnWithMethods`).
 * `missingPath`: how the routes of the nearest served path above one no route serves answer it, if their own way.
 * `corsPreflight`: OPTIONS is answered on every path, so every Allow lists it.
 */
export function trackServedMethods(app: FastifyInstance, { corsPreflight = false } = {}) {
  const served: Served[] = [];
  let built: ReturnType<typeof servedRouter> | undefined;
  app.addHook('onRoute', function recordRoute(this: FastifyInstance, route: RegisteredRoute) {
    if (CATCH_ALL.has(route.url)) return;
    const store: RouteStore = { answer: this.wrongMethodAnswer, missing: this.missingPathAnswer };
    for (const method of [route.method].flat() as FindMyWay.HTTPMethod[]) {
      for (const path of pathsOf(route)) served.push({ method, path, constraints: route.constraints, store });
    }
    built = undefined;
  });

  /** How the routes of the nearest served address above a path no route serves answer it, if their own way. */
  const missingPath = (request: FastifyRequest): MissingPathAnswer | undefined => {
    built ??= servedRouter(app, served);
    const [path = '/'] = request.url.split('?');
    for (let above = path.replace(/\/+$/, ''); above; above = above.slice(0, above.lastIndexOf('/'))) {
      const route = built.router.find('GET', above);
      if (route) return (route.store as RouteStore).missing;
    }
    return undefined;
  };

  const servedPath = (request: FastifyRequest): ServedPath | undefined => {
    const mounted = mountedMethods.get(request.raw);
    if (mounted) {
      if (mounted.includes(request.method)) return undefined;
      return { allow: [...new Set([...mounted, ...(corsPreflight ? ['OPTIONS'] : [])])].sort().join(', ') };
    }
    built ??= servedRouter(app, served);
    const { router, methods } = built;
    const [path = '/'] = request.url.split('?');
    const found = methods.flatMap((method) => {
      const route = router.find(method, path);
      return route ? [{ method, store: route.store as RouteStore }] : [];
    });
    if (found.length === 0 || found.some(({ method }) => method === request.method)) return undefined;
    const allow = new Set<string>(found.map(({ method }) => method));
    if (corsPreflight) allow.add('OPTIONS');
    return { allow: [...allow].sort().join(', '), answer: found.find(({ store }) => store.answer)?.store.answer };
  };
  return { servedPath, missingPath };
}
