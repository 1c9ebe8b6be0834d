import { readFileSync } from 'node:fs';

/** Tessera's version, as package.json gives it (the same path from src/ and from build/). */
export const tesseraVersion = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string })
  .version;
