import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * Requests whose handler has started and not yet answered. A client that gives up does not stop its request's
 * handler, so a node that stops must not close its database under one (it would meet a closed pool half-way
 * through a sign-in). Counted from `preHandler` to `onSend`, which runs for every answer, whether or not its
 * client is still there.
 */
export function trackRunningHandlers(app: FastifyInstance) {
  const running = new Set<FastifyRequest>();
  let wakeWhenNoneRun: (() => void) | undefined;

  app.addHook('preHandler', async (request) => {
    running.add(request);
  });
  app.addHook('onSend', async (request, _reply, payload) => {
    if (running.delete(request) && running.size === 0) wakeWhenNoneRun?.();
    return payload;
  });

  return {
    /**
     * Resolves once no handler runs, or after `limitMs` (a handler that never answers must not hold up a
     * node that is stopping); answers how many were still running then.
     */
    async finished(limitMs: number): Promise<number> {
      if (running.size > 0) {
        await new Promise<void>((resolve) => {
          const limit = setTimeout(resolve, limitMs);
          wakeWhenNoneRun = () => {
            clearTimeout(limit);
            resolve();
          };
        });
      }
      return running.size;
    },
  };
}

export type RunningHandlers = ReturnType<typeof trackRunningHandlers>;
