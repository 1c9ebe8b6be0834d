/**
 * What a route demands of its caller. Every route declares one (`config: { auth }`); a route
 * without one is refused at start-up, so nothing is public by accident.
 */
export type RoutePolicy = 'public' | 'authenticated' | { permission: string };

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: RoutePolicy;
  }
}
