/**
 * oidc-provider 9 prints "Unsupported runtime" on load under Node 20, which Tessera supports and the
 * provider runs on: that line alone would open every CLI command's stderr and every server log. While the
 * library loads (provider-library.ts), that one warning is dropped; every other goes through.
 */
const warn = console.warn;

console.warn = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && args[0].startsWith('oidc-provider WARNING: Unsupported runtime')) return;
  warn(...args);
};

export function restoreConsoleWarn() {
  console.warn = warn;
}
