#!/usr/bin/env node
// Runs build/, the JavaScript `npm ci` compiles from src/ (scripts/build-server.mjs), while it matches
// src/: a process then holds ~55 MB less than one compiling TypeScript as it loads. Otherwise (no build,
// or a tree edited since) the TypeScript runs directly through tsx: `npm ci && npm start` is all it takes.
import { setFlagsFromString } from 'node:v8';
import { buildIsCurrent } from './build-state.js';

// Under load V8 lets the heap grow up to 4x what survived the last full collection, mostly garbage: a
// server grows it 1.5x, which kept the same throughput in the bench with ~100 MB less resident memory.
// `node --heap-growing-percent=N bin/tessera.js serve` chooses otherwise.
const serving = process.argv[2] === 'serve';
if (serving && !process.execArgv.some((flag) => flag.startsWith('--heap-growing-percent'))) setFlagsFromString('--heap-growing-percent=50');

if (buildIsCurrent()) {
  await import('../build/cli/index.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/index.ts');
}
