import type { FastifyInstance, FastifyRequest } from 'fastify';

/** The page a refused request came from: its own address if it is a page, else the nearest page above it. */
export function pageBehind(app: FastifyInstance, request: FastifyRequest) {
  const [path = '/', query] = request.url.split('?');
  for (let url = path; url; url = url.slice(0, url.lastIndexOf('/'))) {
    if (app.hasRoute({ method: 'GET', url })) return url === path && query ? `${url}?${query}` : url;
  }
  return '/sign-in';
}
