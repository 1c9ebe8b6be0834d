import { readFileSync } from 'node:fs';
import { installed } from './install-dir.js';

/** Tessera's version, as its package.json gives it. */
export const tesseraVersion = (JSON.parse(readFileSync(installed('package.json'), 'utf8')) as { version: string }).version;
