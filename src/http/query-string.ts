import { parse } from 'node:querystring';

/** Far more than any Tessera route takes (the longest lists, `include` and `status`, have a handful of values). */
const MAX_QUERY_PARAMETERS = 100;

const TOO_MANY = Symbol('too many query parameters');

/**
 * Query strings as Fastify's router reads them, with a bound: parsing stops after one parameter more than
 * the limit (Node's parser counts as it goes), so a query of thousands of repeated or bracketed keys costs
 * no more than the limit. The router cannot refuse a request here, so such a query is marked, and the
 * validation hook refuses it (`hasTooManyParameters`). Node's parser, unlike the router's, reads a broken
 * escape (`%ff`) as U+FFFD rather than as garbage.
 */
export function parseQueryString(text: string): Record<string, unknown> {
  if (text.length === 0) return {};
  const query = parse(text, '&', '=', { maxKeys: MAX_QUERY_PARAMETERS + 1 });
  const count = Object.values(query).reduce((sum, value) => sum + (Array.isArray(value) ? value.length : 1), 0);
  return count > MAX_QUERY_PARAMETERS ? { [TOO_MANY]: true } : query;
}

export const hasTooManyParameters = (query: unknown) => typeof query === 'object' && query !== null && TOO_MANY in query;
