// Whether build/ (the JavaScript `npm run build:server` compiles from src/) was compiled from src/ as it is now.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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

/** The installed libraries' lockfile, which the bundle's copies of them follow ('' where there is none). */
export const installedLibraries = () => (existsSync(`${root}package-lock.json`) ? readFileSync(`${root}package-lock.json`) : '');

/**
 * A digest of every source's path and content, and of the lockfile: the build bundles the libraries too, so one
 * upgraded by `npm install NAME` (which does not rebuild) makes it stale, and tsx runs until the next build. Not
 * times: a checkout of the same content stays current.
 */
export function sourceDigest(files = sourceFiles(), lockfile = installedLibraries()) {
  const hash = createHash('sha256');
  for (const file of files)
    hash
      .update(file)
      .update('\0')
      .update(readFileSync(`${sourceDir}/${file}`))
      .update('\0');
  return hash.update(lockfile).digest('hex');
}

export const writeDigest = (dir, digest) => writeFileSync(`${dir}/${DIGEST_FILE}`, digest);

export function buildIsCurrent() {
  try {
    return readFileSync(`${buildDir}/${DIGEST_FILE}`, 'utf8') === sourceDigest();
  } catch {
    return false;
  }
}
