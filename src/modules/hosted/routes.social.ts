import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type PageKit, page, pageQuery } from './routes.js';
import { appFields, appSignInPath, backToApp, proceed, refuseApp, renderSignIn, sessionOf } from './routes.sign-in.js';
import { type AppRequest, SOCIAL_EXPIRED_PATH, SOCIAL_RETURN_PATH } from './service.js';

/** What the browser keeps while it is at the provider: the state and PKCE verifier, and where it goes afterwards. */
interface SocialJourney {
  state: string;
  verifier: string;
  app?: AppRequest;
  returnTo?: string;
}

/** Ten minutes at the provider, as federation keeps its flow. */
const JOURNEY_SECONDS = 600;

const journeyCookie = (kit: PageKit) => (kit.hosted.secureCookie ? '__Host-tessera_social' : 'tessera_social');

function readJourney(kit: PageKit, request: FastifyRequest): SocialJourney | undefined {
  const name = journeyCookie(kit);
  const raw = request.headers.cookie
    ?.split(';')
    .map((part) => part.trim())
    .find((part) => part.startsWith(`${name}=`))
    ?.slice(name.length + 1);
  if (!raw || !/^[A-Za-z0-9_-]{1,4000}$/.test(raw)) return undefined;
  try {
    const journey = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<SocialJourney>;
    return typeof journey.state === 'string' && typeof journey.verifier === 'string' ? (journey as SocialJourney) : undefined;
  } catch {
    return undefined;
  }
}

function keepJourney(kit: PageKit, reply: FastifyReply, journey: SocialJourney | undefined) {
  const value = journey ? Buffer.from(JSON.stringify(journey)).toString('base64url') : '';
  // Lax: the provider's redirect back is a top-level navigation, which carries it; nothing cross-site posts with it.
  reply.header(
    'set-cookie',
    `${journeyCookie(kit)}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${journey ? JOURNEY_SECONDS : 0}${kit.hosted.secureCookie ? '; Secure' : ''}`,
  );
}

/**
 * Social sign-in from the sign-in page: a button per provider leads here, this page starts federation's
 * flow as its own app (PKCE pair and state in a short-lived cookie), and the provider's way back ends on
 * `/sign-in/social/return`, which redeems the code for a browser session like a password sign-in's — a
 * second factor still asked, the app's round trip still carried.
 */
export function socialSignInPages(app: FastifyInstance, kit: PageKit) {
  const { hosted } = kit;

  /** A page saying why this sign-in cannot go on, with the way back to the sign-in page. */
  const refusalPage = (request: FastifyRequest, reply: FastifyReply, messageKey: string, status: number) => {
    const t = kit.t(request);
    const link = { href: '/sign-in', label: t('signIn.title') };
    return kit.message(request, reply, { title: t('signIn.title'), message: t(messageKey), alert: true, link }, status);
  };

  app.get('/sign-in/with/:provider', kit.ceremonyStartPage, async (request, reply) => {
    const query = pageQuery(request);
    const appRequest = hosted.appRequest(query);
    if (appRequest.kind === 'invalid') return refuseApp(kit, request, reply, appRequest.reason);
    try {
      const started = await hosted.startSocialSignIn(request.caller, (request.params as { provider: string }).provider);
      const returnTo = hosted.safeReturnTo(query.return_to);
      keepJourney(kit, reply, {
        state: started.state,
        verifier: started.verifier,
        ...(appRequest.kind === 'app' ? { app: appRequest } : {}),
        ...(returnTo ? { returnTo } : {}),
      });
      return reply.code(303).redirect(started.location);
    } catch (error) {
      const refused = providerRefusals.find(([code]) => kit.isRefusal(error, code));
      if (refused) return refusalPage(request, reply, refused[1], refused[2]);
      throw error;
    }
  });

  // Kept apart from the return page, which would clear the journey of a sign-in this browser started since.
  app.get(SOCIAL_EXPIRED_PATH, page, async (request, reply) => refusalPage(request, reply, 'signIn.socialExpired', 400));

  app.get(SOCIAL_RETURN_PATH, page, async (request, reply) => {
    const query = pageQuery(request);
    const journey = readJourney(kit, request);
    keepJourney(kit, reply, undefined);
    const t = kit.t(request);
    // Not this browser's journey (expired, or a link someone sent): nothing is redeemed.
    if (!journey || !hosted.socialStateMatches(journey.state, query.state)) return refusalPage(request, reply, 'signIn.socialExpired', 400);
    const forApp = journey.app;
    const again = (status: number) =>
      renderSignIn(
        kit,
        request,
        reply,
        {
          ...(forApp ? { app: appFields(forApp), formTarget: forApp.redirectUri } : { returnTo: journey.returnTo }),
          formError: t('signIn.socialRefused'),
        },
        status,
      );
    if (!query.code) return again(401);
    const returnTo = forApp ? appSignInPath(forApp) : hosted.safeReturnTo(journey.returnTo);
    try {
      const outcome = await hosted.finishSocialSignIn(request.caller, { code: query.code, codeVerifier: journey.verifier }, returnTo);
      const session = forApp && outcome.kind === 'session' ? await sessionOf(kit, outcome.cookie) : undefined;
      if (forApp && session && outcome.kind === 'session') {
        kit.setSessionCookie(reply, outcome.cookie);
        return backToApp(kit, request, reply, session, forApp);
      }
      return proceed(kit, reply, outcome, returnTo);
    } catch (error) {
      if (kit.isRefusal(error, 'OAUTH_CODE_INVALID', 'INVALID_CREDENTIALS')) return again(401);
      throw error;
    }
  });
}

/** What starting at a provider may answer that a person can do nothing about but go back: its message and status. */
const providerRefusals = [
  ['IDENTITY_PROVIDER_NOT_FOUND', 'signIn.socialUnknown', 404],
  ['IDENTITY_PROVIDER_UNAVAILABLE', 'signIn.socialUnavailable', 503],
] as const;
