import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { installed } from '../../platform/install-dir.js';

// Read from the source tree: the templates are not compiled.
export const viewsDir = `${installed('src', 'modules', 'hosted', 'views')}/`;

// @simplewebauthn/browser's own bundle, served from our origin (the pages' policy runs no other script).
const webauthnEntry = createRequire(import.meta.url).resolve('@simplewebauthn/browser');
const webauthnBundle = `${webauthnEntry.slice(0, webauthnEntry.lastIndexOf('/browser/') + 9)}dist/bundle/index.umd.min.js`;

export interface PageAsset {
  path: string;
  type: string;
  source: string;
  /** The first characters of the content's SHA-256: what the pages' addresses of it carry as `?v=`. */
  version: string;
}

function pageAsset(path: string, type: string, file: string): PageAsset {
  const source = readFileSync(file, 'utf8');
  return { path, type, source, version: createHash('sha256').update(source).digest('hex').slice(0, 12) };
}

const css = 'text/css; charset=utf-8';
const javaScript = 'text/javascript; charset=utf-8';

/**
 * The pages' own stylesheet and scripts, read once. The pages name each by its path and its version
 * (`/hosted/style.css?v=…`), so a release that changes a file changes its address: a browser never runs last
 * release's script against this release's page, and may keep a file it has for a year without asking again.
 */
export const pageAssets = {
  style: pageAsset('/hosted/style.css', css, `${viewsDir}style.css`),
  pages: pageAsset('/hosted/pages.js', javaScript, `${viewsDir}pages.js`),
  webauthn: pageAsset('/hosted/webauthn.js', javaScript, webauthnBundle),
  passkeys: pageAsset('/hosted/passkeys.js', javaScript, `${viewsDir}passkeys.js`),
};

/** The address a page writes for each file: its path with its version. */
export const assetAddresses = Object.fromEntries(
  Object.entries(pageAssets).map(([name, asset]) => [name, `${asset.path}?v=${asset.version}`]),
) as Record<keyof typeof pageAssets, string>;

/**
 * How long a browser may keep what it was answered: a year, unasked, for the current version's address; a day for
 * the bare path (a page of no version names it); and not without asking again for another version, which a page
 * of another release names (a node not yet upgraded, or already): what it gets is this release's file.
 */
export function cachingOf(asset: PageAsset, askedVersion: unknown) {
  if (askedVersion === undefined) return 'public, max-age=86400';
  return askedVersion === asset.version ? 'public, max-age=31536000, immutable' : 'no-cache';
}
