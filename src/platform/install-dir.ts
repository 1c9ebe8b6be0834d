import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The first directory at or above `from` that holds a package.json: Tessera's own (src/ and build/ hold none). */
export function packageDirAbove(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json at or above ${from}`);
  }
}

/**
 * Where Tessera is installed: the directory of its package.json, migrations/, web/dist/ and the hosted pages'
 * templates. Found upwards from this module, which runs from src/platform/ under tsx and from a chunk of the
 * bundle under build/, so that no file has to sit at a fixed depth to find them.
 */
export const installDir = packageDirAbove(dirname(fileURLToPath(import.meta.url)));

/** A path under the install directory. */
export const installed = (...parts: string[]) => join(installDir, ...parts);
