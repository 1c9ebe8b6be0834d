// `npm run build:server` (run by `prepare`, so by `npm ci`): the CLI and the server bundled from src/ into build/
// with the libraries they use, split at each `import()` so that what a command does not need is not loaded.
// A process then loads a few dozen files instead of ~1,150 modules, which was most of the CPU a short command
// spent. bin/tessera.js runs it while it matches src/, and tsx otherwise.
import { readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { buildDir, sourceDigest, sourceDir, sourceFiles, writeDigest } from '../bin/build-state.js';

// The compiler tsx itself runs on (esbuild, as tsx does): the same output, no dependency of our own.
const esbuild = createRequire(createRequire(import.meta.url).resolve('tsx'))('esbuild');

/**
 * Loaded from node_modules as installed, not bundled: each finds a file of its own by its own place on disk (a
 * native addon, WebAssembly, a worker thread's script, static assets, its package.json), which a bundle moves.
 */
const installedAsIs = [
  '@electric-sql/pglite', // its WebAssembly engine and data files
  '@node-rs/*', // native addons (argon2)
  'sharp', // a native addon
  'pino', // runs transports in worker threads from its own files
  'thread-stream',
  'pg-boss', // its schema plans and workers
  'ioredis', // reads its package.json
  '@fastify/swagger', // reads its package.json
  '@fastify/swagger-ui', // serves its own static files
  '@fastify/static',
  '@fastify/view',
  'commander', // looks for a subcommand's script beside the running one
];

/**
 * A bundled library that finds a file by its own place would find it relative to the bundle's chunk instead, or
 * fail on `__dirname` (which an ES module has not): refused here, at build time, naming the library to add above.
 */
const PLACE_BOUND = /\b__dirname\b|\b__filename\b|import\.meta\.url|require\.resolve\(/;
function refusePlaceBoundLibraries(metafile) {
  const offenders = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const library = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1];
    if (library && PLACE_BOUND.test(readFileSync(input, 'utf8'))) offenders.add(library);
  }
  if (offenders.size > 0) {
    throw new Error(`bundled libraries that find files by their own place (add them to installedAsIs): ${[...offenders].join(', ')}`);
  }
}

const files = sourceFiles();
// Taken before compiling: a source changed meanwhile leaves the build stale (tsx runs), never wrong.
const digest = sourceDigest(files);
// Built aside and swapped in, so that a process starting meanwhile finds the old build, or none.
const staging = `${buildDir}.${process.pid}`;
const previous = `${buildDir}.old.${process.pid}`;
try {
  const { metafile } = await esbuild.build({
    entryPoints: [`${sourceDir}/cli/index.ts`],
    outbase: sourceDir,
    outdir: staging,
    bundle: true,
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    external: installedAsIs,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // The CommonJS libraries bundled call require() for Node's own modules, which an ES module has not.
    banner: {
      js: "import { createRequire as createRequireForBundle } from 'node:module'; const require = createRequireForBundle(import.meta.url);",
    },
    // Read only under `node --enable-source-maps`: stack traces then name the TypeScript lines.
    sourcemap: 'linked',
    sourcesContent: false,
    metafile: true,
    logLevel: 'warning',
  });
  refusePlaceBoundLibraries(metafile);
} catch (error) {
  rmSync(staging, { recursive: true, force: true });
  throw error;
}
writeDigest(staging, digest);
rmSync(previous, { recursive: true, force: true });
try {
  renameSync(buildDir, previous);
} catch {
  // no build yet
}
renameSync(staging, buildDir);
rmSync(previous, { recursive: true, force: true });
