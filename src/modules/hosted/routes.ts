import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import formbody from '@fastify/formbody';
import view from '@fastify/view';
import { Type } from '@sinclair/typebox';
import { Eta } from 'eta';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import { publicRoute } from '../../http/route-policy.js';
import { createTranslator, fromAcceptLanguage, isLanguage, type Language, languages } from './i18n/index.js';
import type { HostedService } from './service.js';

// Resolved from the source tree, which the build keeps at the same depth: the templates are not compiled.
export const viewsDir = fileURLToPath(new URL('../../../src/modules/hosted/views/', import.meta.url));
const stylesheet = readFileSync(`${viewsDir}style.css`, 'utf8');

/** Pages are not API operations: hidden from the OpenAPI document, open to everybody, guarded by the session. */
export const page = { config: publicRoute, schema: { hide: true } } as const;
/** A form's fields: strings, bounded; the handler decides what each means. */
export const formBody = (fields: string[]) =>
  Type.Object(Object.fromEntries(fields.map((field) => [field, Type.Optional(Type.String({ maxLength: 4000 }))])));

const LANGUAGE_LABELS: Record<Language, string> = { en: 'English', de: 'Deutsch' };
/** The strict policy of every page: our stylesheet and images, no script but our own files, never framed. */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: https:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

declare module 'fastify' {
  interface FastifyRequest {
    /** The hosted pages' language for this request. */
    hostedLanguage?: Language;
  }
}

export interface PageKit {
  hosted: HostedService;
  config: Config;
  /** Renders a page in the request's language, inside the layout, with the brand and CSRF token. */
  render(request: FastifyRequest, reply: FastifyReply, template: string, data: Record<string, unknown>, status?: number): Promise<string>;
  t(request: FastifyRequest): (key: string, options?: Record<string, unknown>) => string;
  /** A form post from this origin with this browser's CSRF token; else the refusal page is sent and false returned. */
  acceptForm(request: FastifyRequest, reply: FastifyReply): Promise<boolean>;
  setSessionCookie(reply: FastifyReply, value: string): void;
  clearSessionCookie(reply: FastifyReply): void;
}

/** The language of a page: `?lang=`, then the signed-in person's preference (set by the route), then Accept-Language. */
function languageOf(request: FastifyRequest): Language {
  const asked = (request.query as Record<string, unknown> | undefined)?.lang;
  if (isLanguage(asked)) return asked;
  if (request.hostedLanguage) return request.hostedLanguage;
  return fromAcceptLanguage(request.headers['accept-language']) ?? 'en';
}

/** The same page in another language: its path and query with `lang` replaced (a token in the query is kept off links). */
function languageLinks(request: FastifyRequest, current: Language) {
  const url = new URL(request.url, 'http://page.invalid');
  url.searchParams.delete('token');
  return languages.map((code) => {
    url.searchParams.set('lang', code);
    return { code, label: LANGUAGE_LABELS[code], href: `${url.pathname}${url.search}`, current: code === current };
  });
}

/** Whether a form post came from a page of ours: Sec-Fetch-Site first, then Origin; a browser always sends one of them. */
function sameOrigin(request: FastifyRequest, config: Config) {
  const site = request.headers['sec-fetch-site'];
  if (typeof site === 'string') return site === 'same-origin' || site === 'none';
  const origin = request.headers.origin;
  if (typeof origin !== 'string') return true;
  return origin === new URL(config.PUBLIC_URL).origin || origin === `${request.protocol}://${request.host}`;
}

export async function createPageKit(app: FastifyInstance, hosted: HostedService, config: Config): Promise<PageKit> {
  const translator = createTranslator();
  await app.register(formbody);
  await app.register(view, { engine: { eta: new Eta({ views: viewsDir, cache: true }) }, templates: viewsDir });
  const brand = {
    name: config.BRAND_NAME,
    logoUrl: config.BRAND_LOGO_URL,
    primaryColor: config.BRAND_PRIMARY_COLOR,
    supportEmail: config.BRAND_SUPPORT_EMAIL,
  };

  // Every page: the strict policy, never framed, no referrer (a token may be in the address), never cached.
  app.addHook('onSend', async (request, reply, payload) => {
    if (String(reply.getHeader('content-type') ?? '').startsWith('text/html')) {
      reply.header('content-security-policy', CSP);
      reply.header('x-frame-options', 'DENY');
      reply.header('referrer-policy', 'no-referrer');
      reply.header('content-language', languageOf(request));
    }
    return payload;
  });

  app.get('/hosted/style.css', page, async (_request, reply) => {
    reply.header('cache-control', 'public, max-age=86400');
    return reply.type('text/css; charset=utf-8').send(stylesheet);
  });
  app.get('/hosted/brand.css', page, async (_request, reply) => {
    reply.header('cache-control', 'public, max-age=3600');
    return reply.type('text/css; charset=utf-8').send(brand.primaryColor ? `:root{--primary:${brand.primaryColor}}\n` : '');
  });

  const t = (request: FastifyRequest) => {
    const fixed = translator.t(languageOf(request));
    return (key: string, options?: Record<string, unknown>) => fixed(key, options ?? {}) as string;
  };

  const kit: PageKit = {
    hosted,
    config,
    t,
    async render(request, reply, template, data, status = 200) {
      const lang = languageOf(request);
      const translate = t(request);
      const cookie = hosted.sessionCookie(request);
      const title = typeof data.title === 'string' ? data.title : translate(String(data.titleKey ?? 'signIn.title'));
      reply.code(status).type('text/html; charset=utf-8');
      return reply.viewAsync(
        template,
        { values: {}, ...data, t: translate, lang, title, brand, csrf: hosted.csrfToken(cookie), languages: languageLinks(request, lang) },
        { layout: 'layout.eta' },
      );
    },
    async acceptForm(request, reply) {
      const sent = (request.body as Record<string, unknown> | undefined)?.csrf;
      if (sameOrigin(request, config) && hosted.csrfValid(hosted.sessionCookie(request), sent)) return true;
      const translate = t(request);
      await reply.send(
        await kit.render(
          request,
          reply,
          'message.eta',
          { title: translate('common.forbiddenTitle'), message: translate('common.forbidden'), alert: true },
          403,
        ),
      );
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
