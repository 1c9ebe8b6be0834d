import { createServer } from 'node:net';
import { buildApp, loggerOptions } from './app.js';
import { type ControlChannel, openControlChannel } from './cli/control.js';
import { loadConfig } from './config.js';
import { type AppContext, closeContext, createContext } from './context.js';
import { secretStorageNotices, withEmbeddedSecret } from './platform/embedded-secret.js';
import { prepareDatabase } from './startup.js';

type App = Awaited<ReturnType<typeof buildApp>>;

/** How long a stopping node waits for handlers still running (inside the forced exit's 10 s after the drain). */
const HANDLERS_GRACE_MS = 5_000;

/**
 * `tessera serve`: config → context (an embedded directory is locked as it opens) → the port checked free
 * → database ready → app → listen → control channel; SIGTERM/SIGINT drain and close.
 */
export async function serve(): Promise<void> {
  const config = withEmbeddedSecret(loadConfig());
  const context = await createContext(config);
  const app = await buildApp(context, { logger: terminalLogger(config.LOG_LEVEL) });
  try {
    await assertPortFree(config.PORT, config.HOST);
    await prepareDatabase(context, app.log);
    await app.modules.users.ensureBootstrapAdmin(app.log);
  } catch (error) {
    await closeContext(context);
    throw error;
  }

  let control: ControlChannel | undefined;
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
    // Close the app first (its hooks stop the workers that use the pools), then the pools: once the handlers
    // of requests whose clients gave up have finished too.
    await control?.close();
    await app.close();
    const unfinished = await app.runningHandlers.finished(HANDLERS_GRACE_MS);
    if (unfinished > 0) app.log.warn({ unfinished }, 'closing the database under handlers still running');
    await closeContext(context);
    app.log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  await app.listen({ port: config.PORT, host: config.HOST });
  if (context.database.kind === 'pglite') control = await openControl(context, app);
  const base = config.PUBLIC_URL;
  for (const { level, message, file } of secretStorageNotices(config)) app.log[level](file ? { file } : {}, message);
  app.log.info(
    `Tessera ${context.version} ready: API ${base} · docs ${base}/docs · console ${base}/admin · ${
      context.database.kind === 'pglite' ? `embedded PGlite in ${config.DATA_DIR}` : 'PostgreSQL'
    }`,
  );
}

/** The CLI's commands run here, on this process's database and modules, while this server holds DATA_DIR. */
function openControl(context: AppContext, app: App) {
  return openControlChannel(
    context.config.DATA_DIR,
    { database: context.database, config: context.config, withModules: (fn) => fn(app.modules) },
    app.log,
  );
}

/** A port another process listens on is reported before migrations run, not after. */
async function assertPortFree(port: number, host: string): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  await new Promise<void>((done, fail) => {
    probe.once('error', (error: NodeJS.ErrnoException) =>
      fail(error.code === 'EADDRINUSE' ? new Error(`port ${port} on ${host} is in use by another process: stop it, or set PORT`) : error),
    );
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => done()));
  });
}

/** In a terminal, readable lines; elsewhere (containers, log shippers) JSON lines as before. */
function terminalLogger(level: string) {
  if (!process.stdout.isTTY) return undefined;
  const options = loggerOptions(level) as Record<string, unknown>;
  return { ...options, transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss', ignore: 'pid,hostname' } } };
}
