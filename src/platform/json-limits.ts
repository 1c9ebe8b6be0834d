/**
 * The deepest nesting of arrays and objects Tessera reads from a client, far beyond any of its shapes
 * (the deepest, an import line, is 3). Refused before anything walks the value: a few thousand levels
 * are a 6 KB body, and once exhausted the stack of every recursive reader down the line.
 */
export const MAX_JSON_DEPTH = 32;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPENERS = new Set([0x5b, 0x7b]);
const CLOSERS = new Set([0x5d, 0x7d]);

/**
 * Whether JSON text nests arrays and objects deeper than `limit`: one pass over its characters, before
 * any parse, with no recursion. Brackets inside strings do not count. Text that is not JSON at all is
 * the parser's to refuse; this only has to count right for text that is.
 */
export function nestsDeeperThan(text: string, limit = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === BACKSLASH) i++;
      else if (char === QUOTE) inString = false;
    } else if (char === QUOTE) inString = true;
    else if (OPENERS.has(char)) {
      if (++depth > limit) return true;
    } else if (CLOSERS.has(char)) depth--;
  }
  return false;
}

const NUL = '\u0000';

/**
 * JSON pointers (under `root`) of every key and string value in `value` that holds U+0000, which
 * PostgreSQL cannot store. Iterative, in document order: no depth of input can exhaust the stack.
 */
export function nulPaths(value: unknown, root: string): string[] {
  const found: string[] = [];
  const pending: [path: string, item: unknown][] = [[root, value]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [path, item] = next;
    if (typeof item === 'string' && item.includes(NUL)) found.push(path || '/');
    if (item === null || typeof item !== 'object') continue;
    const children = Object.entries(item);
    for (const [key] of children) if (key.includes(NUL)) found.push(`${path}/${visible(key)}`);
    // Last child onto the stack first, so the first comes off first (and no spread of a 100,000-wide array).
    for (let i = children.length - 1; i >= 0; i--) {
      const [key, child] = children[i] as [string, unknown];
      pending.push([`${path}/${visible(key)}`, child]);
    }
  }
  return found;
}

const visible = (key: string) => key.replaceAll(NUL, '\\u0000');
