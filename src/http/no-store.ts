import type { FastifyInstance } from 'fastify';

/**
 * Nothing Tessera answers may be kept by a browser, proxy or CDN unless its route says so: tokens, API keys,
 * temporary passwords, exports and personal records are in ordinary answers, and a cached copy outlives
 * the logout or revocation that ended them. Done once for every answer, so a new route carrying a secret
 * cannot forget it; routes serving something public (avatars, the JWKS, the console's files) set their own.
 */
export function registerNoStoreByDefault(app: FastifyInstance) {
  app.addHook('onSend', async (_request, reply, payload) => {
    if (reply.hasHeader('cache-control')) return payload;
    reply.header('cache-control', 'no-store');
    // For HTTP/1.0 caches, which know no Cache-Control.
    reply.header('pragma', 'no-cache');
    return payload;
  });
}
