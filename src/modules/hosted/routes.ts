import formbody from '@fastify/formbody';
import view from '@fastify/view';
import { Type } from '@sinclair/typebox';
import { Eta } from 'eta';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import { cookieOf } from '../../http/cookies.js';
import { rateLimited } from '../../http/errors.js';
import { asksForPage, toAppError } from '../../http/problem.js';
import { giveBackProvenCredential, perIpCredentialWait, perIpTokenExchangeWait, provesCredential } from '../../http/rate-limit.js';
import { publicRoute } from '../../http/route-policy.js';
import type { SharedState } from '../../platform/shared-state.js';
import { assetAddresses, cachingOf, pageAssets, viewsDir } from './assets.js';
import { brandStylesheet } from './brand-colours.js';
import { transportBound } from './form-bounds.js';
import { createTranslator, isLanguage, LANGUAGE_COOKIE, type Language, languages, negotiateLanguage } from './i18n/index.js';
import { type WayBack, wayBack } from './page-behind.js';
import type { BrowserSession, HostedService } from './service.js';

/** One field of a form page (views/partials-field.eta). */
export interface FieldSpec {
  name: string;
  label: string;
  type?: string;
  autocomplete?: string;
  value?: string;
  error?: string;
  hint?: string;
  required?: boolean;
  /** The new-password policy explained as the person types: the shortest length, and the two messages. */
  live?: string;
  liveLeft?: string;
  liveOk?: string;
  focus?: boolean;
}

/** A form page (views/form.eta): a heading, fields, one button. */
export interface FormSpec {
  titleKey: string;
  heading: string;
  intro?: string;
  action: string;
  submit: string;
  fields: FieldSpec[];
  hidden?: Record<string, string | undefined>;
  /**
   * The address of the account a password field is for, when the form has no field for it: a password manager
   * files a new password, or offers a saved one, under it (hidden from the page, as the account page's).
   */
  username?: string;
  links?: { href: string; label: string }[];
  formError?: string;
  notice?: string;
  danger?: boolean;
  /** An organization's own brand on its pages (null fields: the deployment's). */
  brand?: { name: string | null; logoUrl: string | null; primaryColor: string | null };
}

/** Pages are not API operations: hidden from the OpenAPI document, open to everybody, guarded by the session. */
export const page = { config: publicRoute, schema: { hide: true } } as const;
/**
 * A form's fields: strings, bounded (past its bound a form is answered with a page saying so); the handler decides
 * what each means. A typed field's bound leaves room past the API's, so that its handler answers a value that is
 * merely too long with the field's error (form-bounds.ts).
 */
export const formBody = (fields: string[]) =>
  Type.Object(Object.fromEntries(fields.map((field) => [field, Type.Optional(Type.String({ maxLength: transportBound(field) }))])));

/** A route's options (`page`, or a kit's credential page) for the post of a form of these fields. */
export const postedForm = <Options extends { schema: object }>(options: Options, fields: string[]) => ({
  ...options,
  schema: { ...options.schema, body: formBody(fields) },
});

const HEX_COLOR = /^#[0-9a-fA-F]{6}$/;
const LANGUAGE_LABELS: Record<Language, string> = { en: 'English', de: 'Deutsch' };
const LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 60 * 60;
/** The strict policy of every page: our stylesheet and images, no script but our own files, never framed. */
const csp = (formTarget?: string) =>
  [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: https:",
    // A sign-in for an app ends in a redirect to it, which the browser checks against form-action.
    `form-action 'self'${formTarget ? ` ${formTarget}` : ''}`,
    // Passkey ceremonies (pages' own script) ask the server for options and send the answer back.
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
/** The app origin a page's form may end up redirected to (the app round trip). */
const formTargets = new WeakMap<FastifyRequest, string>();
/** Every page's headers: the strict policy, never framed, no referrer (a token may be in the address); never cached by default. */
const pagePolicy = (request: FastifyRequest, lang: Language) => ({
  'content-security-policy': csp(formTargets.get(request)),
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-language': lang,
});

declare module 'fastify' {
  interface FastifyRequest {
    /** The hosted pages' language for this request. */
    hostedLanguage?: Language;
  }
}

type CredentialPage = Omit<typeof page, 'config'> & {
  config: typeof page.config & { provesCredential?: boolean };
  preValidation(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined>;
  onSend: ReturnType<typeof giveBackProvenCredential>;
};

export interface PageKit {
  hosted: HostedService;
  config: Config;
  /**
   * `page` for a form that checks a password, a code or a mailed link's token: each IP's posts count in the
   * budget the API's credential routes share (AUTH_RATE_LIMIT_PER_MINUTE), so spraying guesses over the pages
   * gains nothing; past it, a page says how long to wait (429, Retry-After).
   */
  credentialPage: CredentialPage;
  /** `credentialPage` for a form whose success proves what it checked: that post's count is given back. */
  proofPage: CredentialPage;
  /**
   * `page` for what starts a ceremony and checks nothing (a passkey's options, a social sign-in's start): each IP's
   * requests count in the token budget (AUTH_TOKEN_RATE_LIMIT_PER_MINUTE) against a flood, not the credential one,
   * where each passkey or social sign-in would keep a count and an office behind one NAT would run out of sign-ins.
   */
  ceremonyStartPage: Omit<CredentialPage, 'onSend'>;
  /** Renders a page in the request's language, inside the layout, with the brand and CSRF token. */
  render(request: FastifyRequest, reply: FastifyReply, template: string, data: Record<string, unknown>, status?: number): Promise<string>;
  t(request: FastifyRequest): (key: string, options?: Record<string, unknown>) => string;
  /** The language this request's page is in. */
  language(request: FastifyRequest): Language;
  /** A form page; the first field with an error (else the first field) has the focus. */
  form(request: FastifyRequest, reply: FastifyReply, spec: FormSpec, status?: number): Promise<string>;
  /** A form page whose title, heading, intro and button are its catalogue section's (`section.title` …). */
  sectionForm(
    request: FastifyRequest,
    reply: FastifyReply,
    section: string,
    spec: Omit<FormSpec, 'titleKey' | 'heading' | 'intro' | 'submit'>,
    status?: number,
  ): Promise<string>;
  /**
   * The session of a signed-in page, which then speaks the person's own language; else the browser is sent to
   * sign in and come back to `path`, and undefined is answered.
   */
  signedInPerson(request: FastifyRequest, reply: FastifyReply, path: string): Promise<BrowserSession | undefined>;
  /** A page that only says something (and offers one link). */
  message(
    request: FastifyRequest,
    reply: FastifyReply,
    content: { title: string; message: string; alert?: boolean; link?: { href: string; label: string }; back?: WayBack },
    status?: number,
  ): Promise<string>;
  /** Whether an error is the refusal with this code (anything else is rethrown by the caller). */
  isRefusal(error: unknown, ...codes: string[]): boolean;
  /** A limit's words for its page (how long to wait, in the person's language), its Retry-After header set. */
  throttled(request: FastifyRequest, reply: FastifyReply, seconds: number | undefined): string;
  /** A form post from this origin with this browser's CSRF token; else the refusal page is sent and false returned. */
  acceptForm(request: FastifyRequest, reply: FastifyReply, sent?: unknown): Promise<boolean>;
  setSessionCookie(reply: FastifyReply, value: string): void;
  clearSessionCookie(reply: FastifyReply): void;
}

/**
 * What a page reads from its address: each parameter given once, as text. One given more than once
 * (`?token=a&token=b`) is read as not given: a page never guesses which value was meant, never writes them back
 * joined, and a mailed link whose token is given twice is an invalid link, as one without a token is.
 */
export function pageQuery(request: FastifyRequest): Partial<Record<string, string>> {
  const query = (request.query ?? {}) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(query).filter((parameter): parameter is [string, string] => typeof parameter[1] === 'string'));
}

/** The language asked for in the address (`?lang=`, the language links), if we speak it. */
function askedLanguage(request: FastifyRequest): Language | undefined {
  const asked = pageQuery(request).lang;
  return isLanguage(asked) ? asked : undefined;
}

/**
 * The language of a page: `?lang=`, then the signed-in person's preference (set by the route), then the one this
 * browser last picked (its cookie: forms and links do not carry `?lang=`), then Accept-Language.
 */
function languageOf(request: FastifyRequest): Language {
  return negotiateLanguage({
    asked: askedLanguage(request),
    preferred: request.hostedLanguage,
    cookieHeader: request.headers.cookie,
    acceptLanguage: request.headers['accept-language'],
  });
}

/**
 * The same page in another language: its path and query with `lang` replaced. A page opened by a mailed link or a
 * sign-in's continuation (a `token` in its query) cannot do without it, but a token is kept off links (a link is
 * copied and shared): such a page changes language through a GET form that sends its query again, the token in a
 * hidden field as its own form holds it.
 */
function languageChoice(request: FastifyRequest, current: Language) {
  const url = new URL(request.url, 'http://page.invalid');
  url.searchParams.delete('lang');
  const carriesToken = url.searchParams.has('token');
  const form = carriesToken ? { action: url.pathname, fields: [...url.searchParams].map(([name, value]) => ({ name, value })) } : null;
  url.searchParams.delete('token');
  const links = languages.map((code) => {
    url.searchParams.set('lang', code);
    return { code, label: LANGUAGE_LABELS[code], href: `${url.pathname}${url.search}`, current: code === current };
  });
  return { languages: links, languageForm: form };
}

/** The fields of an object that are set (an organization's brand leaves the rest to the deployment's). */
const definedOnly = <T extends object>(value: T) =>
  Object.fromEntries(Object.entries(value).filter(([, field]) => field !== null && field !== undefined)) as Partial<T>;

/** Whether a form post came from a page of ours: Sec-Fetch-Site first, then Origin; a browser always sends one of them. */
function sameOrigin(request: FastifyRequest, config: Config) {
  const site = request.headers['sec-fetch-site'];
  if (typeof site === 'string') return site === 'same-origin' || site === 'none';
  const origin = request.headers.origin;
  if (typeof origin !== 'string') return true;
  return origin === new URL(config.PUBLIC_URL).origin || origin === `${request.protocol}://${request.host}`;
}

export async function createPageKit(app: FastifyInstance, hosted: HostedService, config: Config, state: SharedState): Promise<PageKit> {
  const translator = createTranslator();
  const credentialWait = perIpCredentialWait(state, config.AUTH_RATE_LIMIT_PER_MINUTE);
  const ceremonyStartWait = perIpTokenExchangeWait(state, config.AUTH_TOKEN_RATE_LIMIT_PER_MINUTE);
  await app.register(formbody);
  await app.register(view, { engine: { eta: new Eta({ views: viewsDir, cache: true }) }, templates: viewsDir });
  const brand = {
    name: config.BRAND_NAME,
    logoUrl: config.BRAND_LOGO_URL,
    primaryColor: config.BRAND_PRIMARY_COLOR,
    supportEmail: config.BRAND_SUPPORT_EMAIL,
  };

  // A language picked in the address is kept for the visit.
  app.addHook('onSend', async (request, reply, payload) => {
    const asked = askedLanguage(request);
    if (asked && asked !== cookieOf(request.headers.cookie, LANGUAGE_COOKIE)) {
      reply.header(
        'set-cookie',
        `${LANGUAGE_COOKIE}=${asked}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${LANGUAGE_COOKIE_MAX_AGE}${hosted.secureCookie ? '; Secure' : ''}`,
      );
    }
    return payload;
  });

  for (const asset of Object.values(pageAssets)) {
    app.get(asset.path, page, async (request, reply) => {
      reply.header('cache-control', cachingOf(asset, pageQuery(request).v));
      return reply.type(asset.type).send(asset.source);
    });
  }
  // The page's colour (an organization's on its invitation pages, else BRAND_PRIMARY_COLOR) in the address:
  // a stylesheet, since the policy allows no inline style. Only #rrggbb is ever read from it, and only colours
  // computed from it are written, each readable against what it stands on (brand-colours.ts).
  app.get('/hosted/brand.css', page, async (request, reply) => {
    const asked = pageQuery(request).c;
    const color = asked && HEX_COLOR.test(asked) ? asked : brand.primaryColor;
    reply.header('cache-control', 'public, max-age=3600');
    return reply.type('text/css; charset=utf-8').send(color ? brandStylesheet(color) : '');
  });

  const t = (request: FastifyRequest) => {
    const fixed = translator.t(languageOf(request));
    return (key: string, options?: Record<string, unknown>) => fixed(key, options ?? {}) as string;
  };

  /**
   * Counts the request in `wait`'s budget; past it, a page says how long to wait and leads back to the page the
   * person was on (with what it was opened with, when the form has been read); a request for JSON gets 429 RATE_LIMITED.
   */
  const heldBy = (wait: typeof credentialWait) => async (request: FastifyRequest, reply: FastifyReply) => {
    const seconds = await wait(request);
    if (seconds === undefined) return undefined;
    // A passkey button's fetch asks for JSON, not a page: it gets the API's problem+json, as every other refusal it meets.
    if (request.headers.accept?.includes('application/json') && !asksForPage(request)) throw rateLimited(seconds);
    const translate = t(request);
    const content = {
      title: translate('common.throttledTitle'),
      message: kit.throttled(request, reply, seconds),
      alert: true,
      back: wayBack(app, request, translate('common.backToForm')),
    };
    return reply.send(await kit.message(request, reply, content, 429));
  };
  const credentialPage: CredentialPage = {
    ...page,
    // Counted before the handler, as on the API: a refused guess costs no password hash. Once the form is read
    // (not yet checked), so that the refusal's page leads back to the form the person was on.
    preValidation: heldBy(credentialWait),
    onSend: giveBackProvenCredential(state),
  };

  const kit: PageKit = {
    hosted,
    config,
    credentialPage,
    proofPage: { ...credentialPage, config: { ...page.config, ...provesCredential } },
    ceremonyStartPage: { ...page, preValidation: heldBy(ceremonyStartWait) },
    t,
    language: languageOf,
    async render(request, reply, template, data, status = 200) {
      const lang = languageOf(request);
      const translate = t(request);
      const cookie = hosted.sessionCookie(request);
      if (typeof data.formTarget === 'string') formTargets.set(request, new URL(data.formTarget).origin);
      const title = typeof data.title === 'string' ? data.title : translate(String(data.titleKey ?? 'signIn.title'));
      // A page may show an organization's own brand (its invitation): what it sets replaces the deployment's.
      const shown = { ...brand, ...definedOnly((data.brand ?? {}) as Partial<typeof brand>) };
      reply.code(status).type('text/html; charset=utf-8').headers(pagePolicy(request, lang));
      // The instance's renderer, not the reply's: a wrong method's page (page-errors.ts) is answered outside this instance.
      return app.view(
        template,
        {
          values: {},
          ...data,
          t: translate,
          lang,
          title,
          brand: shown,
          assets: assetAddresses,
          csrf: hosted.csrfToken(cookie),
          ...languageChoice(request, lang),
        },
        { layout: 'layout.eta' },
      );
    },
    form(request, reply, spec, status = 200) {
      const focusAt = Math.max(
        0,
        spec.fields.findIndex((field) => field.error),
      );
      const fields = spec.fields.map((field, index) => ({ ...field, focus: index === focusAt }));
      const script = fields.some((field) => field.live) || fields.some((field) => field.error);
      return kit.render(request, reply, 'form.eta', { ...spec, fields, script }, status);
    },
    sectionForm(request, reply, section, spec, status = 200) {
      const translate = t(request);
      const texts = {
        titleKey: `${section}.title`,
        heading: translate(`${section}.heading`),
        intro: translate(`${section}.intro`),
        submit: translate(`${section}.submit`),
      };
      return kit.form(request, reply, { ...texts, ...spec }, status);
    },
    async signedInPerson(request, reply, path) {
      const session = await hosted.browserSession(request);
      if (!session) {
        await reply.code(303).redirect(`/sign-in?return_to=${encodeURIComponent(path)}`);
        return undefined;
      }
      const person = await hosted.account.profile(request.caller, session);
      if (isLanguage(person.profile.language)) request.hostedLanguage = person.profile.language;
      return session;
    },
    message: (request, reply, content, status = 200) => kit.render(request, reply, 'message.eta', content, status),
    // As the API would answer it: a unique violation (a username another account took) is its 409 here too.
    isRefusal: (error, ...codes) => codes.includes(toAppError(error).code),
    throttled(request, reply, seconds = 60) {
      reply.header('retry-after', String(seconds));
      // i18next picks signIn.throttled_one or _other by `count` ("1 second", "2 seconds").
      return t(request)('signIn.throttled', { count: seconds });
    },
    // `sent`: the token of a form the body parser does not read (a multipart upload's field).
    async acceptForm(request, reply, sent = (request.body as Record<string, unknown> | undefined)?.csrf) {
      const fromHere = sameOrigin(request, config);
      if (fromHere && hosted.csrfValid(hosted.sessionCookie(request), sent)) return true;
      const translate = t(request);
      // From our own page, made for another sign-in than the browser's now (it signed in or out in another tab,
      // or its session ended): the person is told so and sent back to the page, not accused of another site's post.
      const content = fromHere
        ? {
            title: translate('common.staleFormTitle'),
            message: translate('common.staleForm'),
            alert: true,
            back: wayBack(app, request, translate('common.reopen')),
          }
        : { title: translate('common.forbiddenTitle'), message: translate('common.forbidden'), alert: true };
      await reply.send(await kit.message(request, reply, content, 403));
      return false;
    },
    setSessionCookie(reply, value) {
      reply.header(
        'set-cookie',
        `${hosted.cookieName}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${hosted.cookieMaxAge}${hosted.secureCookie ? '; Secure' : ''}`,
      );
    },
    clearSessionCookie(reply) {
      reply.header(
        'set-cookie',
        `${hosted.cookieName}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0${hosted.secureCookie ? '; Secure' : ''}`,
      );
    },
  };
  return kit;
}
