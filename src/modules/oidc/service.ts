import type { IncomingMessage } from 'node:http';
/**
 * Tessera as an OpenID Provider: applications (clients) managed by administrators, oidc-provider on Tessera's
 * keys and database, the hosted sign-in pages as its login screen, and Tessera's API accepting its tokens.
 */
import type { AppContext } from '../../context.js';
import type { AccessService } from '../access/service.js';
import { userSessionsEndedEvents } from '../auth/events.js';
import type { AuthService } from '../auth/service.js';
import type { DomainUseCases } from '../events.js';
import type { HostedService } from '../hosted/service.js';
import type { OrganizationsService } from '../organizations/service.js';
import { accessEndingEvents } from '../users/events.js';
import type { UsersService } from '../users/service.js';
import { createApplicationTokenVerifier } from './app-tokens.js';
import { createApplications } from './applications.js';
import { createConnectedApps } from './grants.js';
import { createInteractions } from './interactions.js';
import * as queries from './queries.js';
import { createProviderRuntime } from './runtime.js';

export interface OidcDeps {
  useCases: DomainUseCases;
  access: AccessService;
  organizations: OrganizationsService;
  users: UsersService;
  auth: AuthService;
  /** The hosted sign-in pages: the person's Tessera browser session is the provider's sign-in. */
  hosted: HostedService;
}

const EXPIRED_BATCH = 5000;

export function createOidcService(context: AppContext, deps: OidcDeps) {
  const db = context.database.primary;
  const { useCases } = deps;
  // Tessera's own API as a resource server (RFC 8707): tokens for it carry this audience.
  const apiResource = context.config.PUBLIC_URL;
  const applications = createApplications(context, { useCases });
  // The provider's pages speak as the hosted pages do: the person's language, the one this browser picked, or its own.
  const pageWords = (req: IncomingMessage) => deps.hosted.pageWords(req);
  const runtime = createProviderRuntime(context, {
    pageWords,
    useCases,
    applications,
    organizations: deps.organizations,
    users: deps.users,
    apiResource,
    browserSession: deps.hosted.browserSession,
    async endBrowserSession(tx, emit, req) {
      const cookie = deps.hosted.sessionCookie(req);
      if (cookie) await deps.hosted.signOutWithin(tx, emit, cookie);
      return `${deps.hosted.cookieName}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0${deps.hosted.secureCookie ? '; Secure' : ''}`;
    },
  });
  deps.auth.registerBearerVerifier(
    createApplicationTokenVerifier(context, applications, { apiResource, jwks: runtime.keys, users: deps.users }),
  );

  // Whoever may no longer sign in, or whose sessions all ended (signed out everywhere, a new password, a changed
  // address), loses the provider's sessions, grants and tokens too: an application's refresh token minted by
  // whoever held the account before its recovery would otherwise outlive it.
  useCases.react([...accessEndingEvents, ...userSessionsEndedEvents], async (tx, event) => {
    if (event.entityId) await queries.destroyAccountArtifacts(tx, event.entityId);
  });

  return {
    applications,
    connectedApps: createConnectedApps(context, useCases, applications),
    interactions: createInteractions(runtime, useCases, deps.hosted.stepUp, pageWords),
    pageWords,
    runtime,
    apiResource,
    /** Who is signed in in this browser (the hosted pages' session), for the interaction page. */
    browserSession: deps.hosted.browserSession,
    /** The expiry job: rows past their lifetime go, in bounded batches. */
    async deleteExpired() {
      while ((await queries.deleteExpiredArtifacts(db, EXPIRED_BATCH)) === EXPIRED_BATCH);
    },
  };
}

export type OidcService = ReturnType<typeof createOidcService>;
