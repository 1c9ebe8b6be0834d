import cors from '@fastify/cors';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { problemServerOptions, registerProblemHandlers } from './problem.js';
import { answerMissingPathsWith, answerWrongMethodsWith } from './served-methods.js';

/** A bare app with the problem handlers and routes of the shapes the real one has. */
async function appWith({ corsPreflight = false } = {}) {
  const app = Fastify(problemServerOptions);
  registerProblemHandlers(app, { corsPreflight });
  await app.register(cors, { origin: corsPreflight ? ['https://app.example'] : false });
  app.get('/things', async () => []);
  app.post('/things', async () => ({}));
  app.delete('/things/:id', async () => ({}));
  // A wildcard route that passes some of its paths on as not found (the console's missing files).
  app.get('/files/*', async (request, reply) => ((request.params as { '*': string })['*'].endsWith('.js') ? reply.callNotFound() : 'file'));
  // A prefix's own `/` route answers on `/docs` and `/docs/`.
  await app.register(async (docs) => docs.get('/', async () => 'docs'), { prefix: '/docs' });
  await app.register(async (pages) => {
    answerWrongMethodsWith(pages, (_request, reply, refusal) => reply.code(refusal.status).type('text/html').send('<p>Not this way.</p>'));
    answerMissingPathsWith(pages, (_request, reply, refusal) => reply.code(refusal.status).type('text/html').send('<p>No page here.</p>'));
    pages.get('/page', async () => 'page');
  });
  await app.ready();
  return app;
}

const answer = async (app: Awaited<ReturnType<typeof appWith>>, method: string, url: string, headers: Record<string, string> = {}) => {
  const response = await app.inject({ method: method as 'GET', url, headers });
  return { status: response.statusCode, allow: response.headers.allow, type: response.headers['content-type'], body: response.body };
};

describe('a method a path is not served with', () => {
  it('answers 405 METHOD_NOT_ALLOWED with Allow naming exactly the methods the path is served with, HEAD with GET', async () => {
    const app = await appWith();
    const expected = [
      ['PUT', '/things', 'GET, HEAD, POST'],
      ['DELETE', '/things?x=1', 'GET, HEAD, POST'],
      ['GET', '/things/7', 'DELETE'],
      ['POST', '/files/a/b.css', 'GET, HEAD'],
      ['POST', '/docs', 'GET, HEAD'],
      ['POST', '/docs/', 'GET, HEAD'],
      ['OPTIONS', '/things', 'GET, HEAD, POST'],
    ];
    for (const [method, url, allow] of expected) {
      const refused = await answer(app, method as string, url as string);
      expect([refused.status, refused.allow, refused.type], `${method} ${url}`).toEqual([
        405,
        allow,
        'application/problem+json; charset=utf-8',
      ]);
      expect(JSON.parse(refused.body)).toEqual({
        type: 'https://tessera.dev/problems/method-not-allowed',
        title: 'Method Not Allowed',
        status: 405,
        detail: 'This address does not take this method.',
        code: 'METHOD_NOT_ALLOWED',
      });
    }
    await app.close();
  });

  it('answers a path no route serves 404, and a path its own route passed on as not found 404, without Allow', async () => {
    const app = await appWith();
    for (const [method, url] of [
      ['GET', '/nope'],
      ['DELETE', '/nope'],
      ['OPTIONS', '/nope'],
      ['GET', '/things/7/more'],
      ['GET', '/files/app.js'],
      ['HEAD', '/files/app.js'],
    ]) {
      const refused = await answer(app, method as string, url as string);
      expect([refused.status, refused.allow], `${method} ${url}`).toEqual([404, undefined]);
    }
    await app.close();
  });

  it("lists OPTIONS everywhere when the CORS preflight answers it, and answers through an instance's own answer", async () => {
    const app = await appWith({ corsPreflight: true });
    expect(await answer(app, 'PUT', '/things')).toMatchObject({ status: 405, allow: 'GET, HEAD, OPTIONS, POST' });
    const preflight = { origin: 'https://app.example', 'access-control-request-method': 'PUT' };
    expect((await answer(app, 'OPTIONS', '/nope', preflight)).status).toBe(204);
    expect(await answer(app, 'DELETE', '/nope')).toMatchObject({ status: 404, allow: undefined });
    expect(await answer(app, 'POST', '/page')).toEqual({
      status: 405,
      allow: 'GET, HEAD, OPTIONS',
      type: 'text/html',
      body: '<p>Not this way.</p>',
    });
    await app.close();
  });
});

describe('a path no route serves, beneath one that is', () => {
  it("answers through the instance's own answer of the nearest served path above it, else with problem+json", async () => {
    const app = await appWith();
    for (const url of ['/page/', '/page/more', '/page/more/deeper?x=1']) {
      expect(await answer(app, 'GET', url), url).toEqual({
        status: 404,
        allow: undefined,
        type: 'text/html',
        body: '<p>No page here.</p>',
      });
    }
    // The nearest served path above is another instance's route (a parameter's, the wildcard's), or none at all.
    for (const url of ['/things/7/more', '/files/app.js', '/nope/page', '/pages']) {
      const refused = await answer(app, 'GET', url);
      expect([refused.status, refused.type], url).toEqual([404, 'application/problem+json; charset=utf-8']);
    }
    await app.close();
  });
});
