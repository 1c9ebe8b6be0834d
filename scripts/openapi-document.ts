// The OpenAPI document exactly as the app publishes it at /openapi.json, built on a throwaway embedded
// database: what the console's types (openapi-types.ts) and the linter (openapi-lint.ts) read.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createContext } from '../src/context.js';
import { openDatabase } from '../src/db/client.js';
import { migrateUp } from '../src/db/migrator.js';

export async function buildOpenApiDocument(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(`${tmpdir()}/tessera-openapi-`);
  try {
    const config = loadConfig(
      { LOG_LEVEL: 'silent', JOBS_ENABLED: 'false', DATA_DIR: dir, EMBEDDED_SHARED_BUFFERS: '8MB' },
      '/nonexistent',
    );
    const database = await openDatabase(config);
    await migrateUp(database);
    const app = await buildApp(await createContext(config, database));
    const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    await app.close();
    await database.close();
    return document;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
