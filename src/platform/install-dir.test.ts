import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { installDir, installed, packageDirAbove } from './install-dir.js';

describe('the install directory', () => {
  const root = mkdtempSync(join(tmpdir(), 'tessera-install-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('is the nearest directory above with a package.json, from any depth (src/platform/ or a bundle chunk)', () => {
    writeFileSync(join(root, 'package.json'), '{}');
    const deep = join(root, 'build', 'chunks');
    mkdirSync(deep, { recursive: true });
    expect(packageDirAbove(deep)).toBe(root);
    expect(packageDirAbove(root)).toBe(root);
  });

  it('says so where no directory above has one', () => {
    expect(() => packageDirAbove('/')).toThrow('no package.json at or above /');
  });

  it("is Tessera's checkout, holding its migrations and the hosted pages' templates", () => {
    expect(installDir).toBe(join(import.meta.dirname, '..', '..'));
    expect(existsSync(installed('migrations', 'meta', '_journal.json'))).toBe(true);
    expect(existsSync(installed('src', 'modules', 'hosted', 'views', 'style.css'))).toBe(true);
  });
});
