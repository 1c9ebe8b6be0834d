// Whether build/ (the JavaScript `npm run build:server` compiles from src/) was compiled from src/ as it is now.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
export const sourceDir = `${root}src`;
export const buildDir = `${root}build`;
const DIGEST_FILE = '.sources';

/** The server's sources: every module under src/ but the tests. */
export const sourceFiles = () =>
  readdirSync(sourceDir, { recursive: true })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
    .sort();

/** A digest of every source's path and content (not times: a checkout of the same content stays current). */
export function sourceDigest(files = sourceFiles()) {
  const hash = createHash('sha256');
  for (const file of files)
    hash
      .update(file)
      .update('\0')
      .update(readFileSync(`${sourceDir}/${file}`))
      .update('\0');
  return hash.digest('hex');
}

export const writeDigest = (dir, digest) => writeFileSync(`${dir}/${DIGEST_FILE}`, digest);

export function buildIsCurrent() {
  try {
    return readFileSync(`${buildDir}/${DIGEST_FILE}`, 'utf8') === sourceDigest();
  } catch {
    return false;
  }
}
