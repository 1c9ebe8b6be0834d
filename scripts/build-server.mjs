// `npm run build:server` (run by `prepare`, so by `npm ci`): src/ compiled to build/ as plain JavaScript,
// one file per module at the same depth, so paths relative to a module (package.json, migrations/,
// web/dist/) still resolve. bin/tessera.js runs it while it matches src/, and tsx otherwise.
import { renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { buildDir, sourceDigest, sourceDir, sourceFiles, writeDigest } from '../bin/build-state.js';

// The compiler tsx itself runs on (esbuild, per file, as tsx does): the same output, no dependency of our own.
const esbuild = createRequire(createRequire(import.meta.url).resolve('tsx'))('esbuild');

const files = sourceFiles();
// Taken before compiling: a source changed meanwhile leaves the build stale (tsx runs), never wrong.
const digest = sourceDigest(files);
// Built aside and swapped in, so that a process starting meanwhile finds the old build, or none.
const staging = `${buildDir}.${process.pid}`;
const previous = `${buildDir}.old.${process.pid}`;
await esbuild.build({
  entryPoints: files.map((file) => `${sourceDir}/${file}`),
  outbase: sourceDir,
  outdir: staging,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Read only under `node --enable-source-maps`: stack traces then name the TypeScript lines.
  sourcemap: 'linked',
  logLevel: 'warning',
});
writeDigest(staging, digest);
rmSync(previous, { recursive: true, force: true });
try {
  renameSync(buildDir, previous);
} catch {
  // no build yet
}
renameSync(staging, buildDir);
rmSync(previous, { recursive: true, force: true });
