import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The console is served by Tessera itself at /admin, so its assets live under that base path.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/admin/',
  esbuild: { jsx: 'automatic' },
  // The typed client published in the repository (clients/typescript), as apps would import it.
  resolve: { alias: { '@tessera/client': fileURLToPath(new URL('../clients/typescript/src/index.ts', import.meta.url)) } },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false },
  logLevel: 'warn',
});
