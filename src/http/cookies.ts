import { fastifyCookie } from '@fastify/cookie';

/** One cookie of a Cookie header by name (RFC 6265 parsing, values URL-decoded), or undefined. */
export function cookieOf(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  return fastifyCookie.parse(header)[name];
}
