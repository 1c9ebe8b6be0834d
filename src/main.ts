import { buildApp, loggerOptions } from './app.js';
import { loadConfig } from './config.js';
import { closeContext, createContext } from './context.js';
import { prepareDatabase } from './startup.js';

/** `tessera serve`: config → context → database ready → app → listen; SIGTERM/SIGINT drain and close. */
export async function serve(): Promise<void> {
  const config = loadConfig();
  const context = await createContext(config);
  const app = await buildApp(context, { logger: terminalLogger(config.LOG_LEVEL) });
  try {
    await prepareDatabase(context, app.log);
    await app.modules.users.ensureBootstrapAdmin(app.log);
  } catch (error) {
    await closeContext(context);
    throw error;
  }

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info(
      { signal, drainMs: config.SHUTDOWN_DRAIN },
      'shutting down: not ready, then no new connections, finishing requests in flight',
    );
    const forced = setTimeout(() => process.exit(1), config.SHUTDOWN_DRAIN + 10_000);
    forced.unref();
    // The load balancer's checks see the node not ready and send it nothing new; what it already sent is answered.
    app.modules.drain();
    await new Promise((resolve) => setTimeout(resolve, config.SHUTDOWN_DRAIN));
    // Close the app first (its hooks stop the workers that use the pools), then the pools.
    await app.close();
    await closeContext(context);
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  await app.listen({ port: config.PORT, host: config.HOST });
  const base = config.PUBLIC_URL;
  app.log.info(
    `Tessera ${context.version} ready: API ${base} · docs ${base}/docs · console ${base}/admin · ${
      context.database.kind === 'pglite' ? `embedded PGlite in ${config.DATA_DIR}` : 'PostgreSQL'
    }`,
  );
}

/** In a terminal, readable lines; elsewhere (containers, log shippers) JSON lines as before. */
function terminalLogger(level: string) {
  if (!process.stdout.isTTY) return undefined;
  const options = loggerOptions(level) as Record<string, unknown>;
  return { ...options, transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss', ignore: 'pid,hostname' } } };
}
