import { existsSync } from 'node:fs';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { installed } from '../platform/install-dir.js';
import { defineErrors } from './errors.js';

const consoleErrors = defineErrors({
  CONSOLE_NOT_BUILT: [503, 'The admin console is not built: run `npm run build:web`.'],
});

// A tessera: four tiles of a mosaic. Browsers ask for /favicon.ico on every page of the console.
const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="7" height="7" fill="#2f6f8f"/><rect x="9" width="7" height="7" fill="#e0a030"/><rect y="9" width="7" height="7" fill="#e0a030"/><rect x="9" y="9" width="7" height="7" fill="#2f6f8f"/></svg>`;

export const consoleDir = `${installed('web', 'dist')}/`;

/**
 * The admin console: a static single-page app at /admin that talks to the API like any client.
 * Other paths under /admin get its index.html so its own routes survive a reload; a missing file is a 404.
 */
export async function registerConsole(app: FastifyInstance) {
  // A person opening the server's address in a browser lands on the console.
  app.get('/', { config: { auth: 'public' }, schema: { hide: true } }, (_request, reply) => reply.redirect('/admin/'));
  app.get('/favicon.ico', { config: { auth: 'public' }, schema: { hide: true } }, (_request, reply) =>
    reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400').send(FAVICON),
  );
  if (!existsSync(`${consoleDir}index.html`)) {
    app.get('/admin/*', { config: { auth: 'public' }, schema: { hide: true } }, async () => {
      throw consoleErrors.CONSOLE_NOT_BUILT();
    });
    return;
  }
  await app.register(fastifyStatic, {
    root: consoleDir,
    prefix: '/admin/',
    wildcard: false,
    index: 'index.html',
    cacheControl: false,
    setHeaders: (response, path) => response.setHeader('cache-control', cachingOf(path)),
  });
  app.get('/admin', { config: { auth: 'public' }, schema: { hide: true } }, (_request, reply) => reply.redirect('/admin/'));
  app.get('/admin/*', { config: { auth: 'public' }, schema: { hide: true } }, (request, reply) =>
    isConsoleFile((request.params as { '*': string })['*']) ? reply.callNotFound() : reply.sendFile('index.html'),
  );
}

/**
 * The build names each file under assets/ by a hash of its content, so that name never holds other bytes: a browser
 * keeps it for a year without asking again. The page (and anything else) is asked for again each time, answered 304
 * while unchanged, so a browser sees a new release at its next load.
 */
const cachingOf = (file: string) => (file.startsWith(`${consoleDir}assets/`) ? 'public, max-age=31536000, immutable' : 'no-cache');

/**
 * A path naming a file (under assets/, or with a dot in a segment: a file name, `..`): one the build does not
 * have is a missing file, answered 404 like any unknown path. Only the console's own routes get index.html,
 * so a script tag pointing at a stale bundle, or a probe for `../package.json`, does not receive a page.
 */
const isConsoleFile = (path: string) => path.startsWith('assets/') || path.split('/').some((segment) => segment.includes('.'));
