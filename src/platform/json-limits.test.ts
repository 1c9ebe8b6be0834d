import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, nestsDeeperThan, unstorableText } from './json-limits.js';

const arrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('nestsDeeperThan', () => {
  it('counts arrays and objects alike, up to the limit and one beyond', () => {
    expect(nestsDeeperThan(arrays(MAX_JSON_DEPTH))).toBe(false);
    expect(nestsDeeperThan(arrays(MAX_JSON_DEPTH + 1))).toBe(true);
    expect(nestsDeeperThan('{"a":[{"b":[1]}]}', 4)).toBe(false);
    expect(nestsDeeperThan('{"a":[{"b":[1]}]}', 3)).toBe(true);
  });

  it('counts depth, not brackets: siblings do not add up', () => {
    expect(nestsDeeperThan(`[${Array(1000).fill('[1]').join(',')}]`, 2)).toBe(false);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(nestsDeeperThan(JSON.stringify({ a: '[[[[{{{{', b: 'say \\"[[[[\\" and "{{{{"' }), 1)).toBe(false);
    expect(nestsDeeperThan(`["\\\\",[[1]]]`, 2)).toBe(true);
  });
});

describe('unstorableText', () => {
  const paths = (value: unknown, root: string) => unstorableText(value, root).map(({ path }) => path);

  it('names every key and string holding U+0000, in document order', () => {
    expect(paths({ a: 'x\u0000', b: [{ 'c\u0000': 'fine' }, 'y\u0000'], d: 1 }, '')).toEqual(['/a', '/b/0/c\\u0000', '/b/1']);
    expect(unstorableText('\u0000', '/query')).toEqual([{ path: '/query', message: 'must not contain U+0000' }]);
    expect(paths('\u0000', '')).toEqual(['/']);
  });

  it('names every key and string holding a lone surrogate, and takes a surrogate pair', () => {
    const lone = 'must be Unicode text (it holds a lone surrogate)';
    expect(unstorableText({ a: '\ud800', b: 'x\udc00', '\udbffkey': 1, ok: '\ud83d\ude00' }, '')).toEqual([
      { path: '/\\udbffkey', message: lone },
      { path: '/a', message: lone },
      { path: '/b', message: lone },
    ]);
  });

  it('walks a value nested far deeper than any stack', () => {
    let value: unknown = '\u0000';
    for (let depth = 0; depth < 200_000; depth++) value = [value];
    expect(paths(value, '')).toEqual([`${'/0'.repeat(200_000)}`]);
  });
});
