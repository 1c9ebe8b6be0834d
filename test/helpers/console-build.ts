import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { consoleDir } from '../../src/http/console.js';

/** Builds the admin console once if this checkout has no build: the app serves it only when it finds one at start. */
export function ensureConsoleBuilt() {
  if (!existsSync(`${consoleDir}index.html`)) spawnSync('npm', ['run', 'build:web'], { stdio: 'inherit' });
}
