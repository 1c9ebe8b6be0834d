import { describe, expect, it } from 'vitest';
import { installedLibraries, sourceDigest, sourceFiles } from '../bin/build-state.js';

// bin/tessera.js runs build/ only while its digest matches: the sources and the libraries the bundle holds.
describe('whether the build is current', () => {
  const files = sourceFiles().slice(0, 3);

  it('is the same digest for the same sources and lockfile', () => {
    expect(sourceDigest(files, 'lock a')).toBe(sourceDigest(files, 'lock a'));
  });

  it('changes with the lockfile: a library upgraded without a rebuild makes the bundle stale', () => {
    expect(sourceDigest(files, 'lock a')).not.toBe(sourceDigest(files, 'lock b'));
  });

  it('changes with the sources', () => {
    expect(sourceDigest(files, 'lock a')).not.toBe(sourceDigest(files.slice(1), 'lock a'));
  });

  it("reads this checkout's lockfile", () => {
    expect(String(installedLibraries())).toContain('"lockfileVersion"');
  });
});
