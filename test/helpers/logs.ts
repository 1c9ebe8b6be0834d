import { buildApp, loggerOptions } from '../../src/app.js';
import { createContext } from '../../src/context.js';
import type { Harness } from './app.js';

/**
 * The real app on the harness's database with the production logger at `info`, writing every log line
 * into `lines` instead of stdout (what a log shipper would receive).
 */
export async function startLoggedApp(h: Harness) {
  const lines: string[] = [];
  const context = await createContext(h.context.config, h.context.database);
  const app = await buildApp(context, {
    logger: { ...(loggerOptions('info') as object), stream: { write: (line: string) => lines.push(line) } },
  });
  await app.ready();
  return {
    app,
    lines,
    close: async () => {
      await app.close();
      await context.state.close();
    },
  };
}
