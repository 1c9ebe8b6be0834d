import type { FastifyInstance, FastifyRequest } from 'fastify';

/** The page a refused request came from: its own address if it is a page, else the nearest page above it. */
export function pageBehind(app: FastifyInstance, request: FastifyRequest) {
  const [path = '/', query] = request.url.split('?');
  for (let url = path; url; url = url.slice(0, url.lastIndexOf('/'))) {
    if (app.hasRoute({ method: 'GET', url })) return url === path && query ? `${url}?${query}` : url;
  }
  return '/sign-in';
}

/** A refused form's way back to its page: a GET form carrying what opened the page, or a plain link when nothing did. */
export interface WayBack {
  action: string;
  fields: { name: string; value: string }[];
  label: string;
}

/** What a form posts back that its page was opened with: a mailed link's or a sign-in's token, where to go after. */
const OPENED_WITH = ['token', 'return_to'] as const;

/**
 * The page a refused post came from, as it was opened. A token is kept off links (a link is copied and shared), so
 * what the post carried of it goes back in a GET form's hidden fields, as the language buttons do; a password or a
 * code typed into the form is never sent back.
 */
export function wayBack(app: FastifyInstance, request: FastifyRequest, label: string): WayBack {
  const body = (request.body ?? {}) as Record<string, unknown>;
  const [action = '/sign-in'] = pageBehind(app, request).split('?');
  const fields = OPENED_WITH.flatMap((name) => {
    const value = body[name];
    return typeof value === 'string' && value !== '' ? [{ name, value }] : [];
  });
  return { action, fields, label };
}
