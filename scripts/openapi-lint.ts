// `npm run lint:openapi` (and CI): the document the app publishes, written to a temporary file and linted by
// Redocly with its recommended rules. Any error fails; warnings are printed for whoever changes routes next.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { buildOpenApiDocument } from './openapi-document.js';

const dir = mkdtempSync(`${tmpdir()}/tessera-openapi-lint-`);
try {
  const file = `${dir}/openapi.json`;
  writeFileSync(file, JSON.stringify(await buildOpenApiDocument(), null, 2));
  const redocly = createRequire(import.meta.url).resolve('@redocly/cli/bin/cli.js');
  const lint = spawnSync(process.execPath, [redocly, 'lint', '--extends=recommended', '--format=stylish', file], { stdio: 'inherit' });
  process.exitCode = lint.status ?? 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
