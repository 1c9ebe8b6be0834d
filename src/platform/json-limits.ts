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

/** What PostgreSQL cannot store of a text as sent, and the words a refusal names it with. */
export const TEXT_FLAWS = {
  nul: 'must not contain U+0000',
  loneSurrogate: 'must be Unicode text (it holds a lone surrogate)',
} as const;

/** A key or string value that cannot be stored as sent: where it is (a JSON pointer under the root) and why. */
export interface UnstorableText {
  path: string;
  message: (typeof TEXT_FLAWS)[keyof typeof TEXT_FLAWS];
}

/**
 * Why a text cannot be stored as sent: U+0000, which PostgreSQL refuses, or a lone surrogate (JSON's `\ud800` escape
 * makes one; no UTF-8 byte sequence does), which would be stored as U+FFFD as if that had been sent.
 */
const flawOf = (text: string) => (text.includes(NUL) ? TEXT_FLAWS.nul : wellFormed(text) ? undefined : TEXT_FLAWS.loneSurrogate);
/** String.prototype.isWellFormed (Node 20; the compiler's library predates it). */
const wellFormed = (text: string) => (text as string & { isWellFormed(): boolean }).isWellFormed();

/**
 * Every key and string value in `value` that cannot be stored as sent (`flawOf`), by its JSON pointer under `root`.
 * Iterative, in document order: no depth of input can exhaust the stack.
 */
export function unstorableText(value: unknown, root: string): UnstorableText[] {
  const found: UnstorableText[] = [];
  const pending: [path: string, item: unknown][] = [[root, value]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [path, item] = next;
    const flaw = typeof item === 'string' ? flawOf(item) : undefined;
    if (flaw) found.push({ path: path || '/', message: flaw });
    if (item === null || typeof item !== 'object') continue;
    const children = Object.entries(item);
    for (const [key] of children) {
      const keyFlaw = flawOf(key);
      if (keyFlaw) found.push({ path: `${path}/${visible(key)}`, message: keyFlaw });
    }
    // Last child onto the stack first, so the first comes off first (and no spread of a 100,000-wide array).
    for (let i = children.length - 1; i >= 0; i--) {
      const [key, child] = children[i] as [string, unknown];
      pending.push([`${path}/${visible(key)}`, child]);
    }
  }
  return found;
}

/** A lone surrogate: a high one not followed by a low one, or a low one not after a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const escaped = (unit: string) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** A key as a refusal may name it: U+0000 and lone surrogates written as their escapes. */
const visible = (key: string) => key.replaceAll(NUL, escaped).replace(LONE_SURROGATE, escaped);
