import { createReadStream } from 'node:fs';
import { nestsDeeperThan } from '../../platform/json-limits.js';

export type ImportFormat = 'jsonl' | 'csv';

/** One line (JSON Lines) or row (CSV) of an import file: its value, or why it could not be read. */
export interface SourceRecord {
  /** Where the record starts in the file, counting from 1. */
  line: number;
  value?: unknown;
  error?: string;
}

/** JSON Lines by name (.jsonl, .ndjson, .json) or CSV (.csv); otherwise by its first character. */
export function formatOf(path: string, firstChar?: string): ImportFormat {
  if (/\.(jsonl|ndjson|json)$/i.test(path)) return 'jsonl';
  if (/\.csv$/i.test(path)) return 'csv';
  return firstChar === '{' ? 'jsonl' : 'csv';
}

/**
 * The longest line read, in bytes (a record of every field at its longest is a few kilobytes). A longer one is
 * refused as a whole without being kept: one endless line would otherwise fill the memory.
 */
const MAX_LINE_BYTES = 1024 * 1024;

/** A physical line and its number: its text, or why it has none. */
type Line = { number: number; text: string; error?: undefined } | { number: number; text?: undefined; error: string };

const TOO_LONG = `is longer than ${MAX_LINE_BYTES} bytes`;
const NEWLINE = 0x0a;
// Fatal: a byte that is not UTF-8 refuses its line, where a lenient decoder would store U+FFFD in its place.
const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodedLine(number: number, bytes: Buffer | undefined): Line {
  if (bytes === undefined || bytes.length > MAX_LINE_BYTES) return { number, error: TOO_LONG };
  try {
    return { number, text: utf8.decode(bytes).replace(/\r$/, '') };
  } catch {
    return { number, error: 'is not valid UTF-8' };
  }
}

/**
 * Physical lines with their numbers, streamed: a million-line file never sits in memory, nor does an endless line.
 * Split as bytes (a newline byte is never inside a UTF-8 character), then each line decoded on its own.
 */
async function* lines(path: string): AsyncGenerator<Line> {
  let number = 0;
  let rest: Buffer[] = [];
  let restBytes = 0;
  let overlong = false;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let end = chunk.indexOf(NEWLINE); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
      yield decodedLine(++number, overlong ? undefined : Buffer.concat([...rest, chunk.subarray(start, end)]));
      rest = [];
      restBytes = 0;
      overlong = false;
      start = end + 1;
    }
    if (!overlong) {
      rest.push(chunk.subarray(start));
      restBytes += chunk.length - start;
    }
    if (restBytes > MAX_LINE_BYTES) {
      overlong = true;
      rest = [];
      restBytes = 0;
    }
  }
  if (restBytes > 0 || overlong) yield decodedLine(++number, overlong ? undefined : Buffer.concat(rest));
}

async function* jsonLines(path: string): AsyncGenerator<SourceRecord> {
  for await (const { number, text, error } of lines(path)) {
    if (error !== undefined) yield { line: number, error };
    else if (text.trim() === '') continue;
    else if (nestsDeeperThan(text)) yield { line: number, error: 'is nested too deeply' };
    else yield parsedLine(number, text);
  }
}

function parsedLine(line: number, text: string): SourceRecord {
  try {
    return { line, value: JSON.parse(text) };
  } catch {
    return { line, error: 'is not valid JSON' };
  }
}

/**
 * RFC 4180 fields of one physical line, continuing an open quoted field from the line before.
 * Returns the fields so far and whether a quote is still open (a newline inside a quoted value).
 */
function splitCsv(text: string, fields: string[], open: boolean): { fields: string[]; open: boolean } {
  let field = open ? `${fields.pop() ?? ''}\n` : '';
  let quoted = open;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"' && field === '') quoted = true;
    else if (char === ',') {
      fields.push(field);
      field = '';
    } else field += char;
  }
  fields.push(field);
  return { fields, open: quoted };
}

/**
 * CSV with a header row. Headers name fields as JSON Lines does, nested ones dotted (`profile.timezone`,
 * `preferences.visualScore`); `roles` is separated by `|`; `skills` and `goals` hold JSON arrays. Empty
 * cells are absent fields. Values stay text: the validator coerces numbers and booleans.
 */
async function* csvRows(path: string): AsyncGenerator<SourceRecord> {
  let header: string[] | undefined;
  let fields: string[] = [];
  let open = false;
  let start = 0;
  for await (const { number, text, error } of lines(path)) {
    if (!open) start = number;
    if (error !== undefined) {
      yield { line: start, error };
      open = false;
      continue;
    }
    ({ fields, open } = splitCsv(text, open ? fields : [], open));
    if (open) continue;
    if (!header) {
      header = fields.map((name) => name.trim());
      continue;
    }
    if (fields.length === 1 && fields[0] === '') continue;
    if (fields.length !== header.length) {
      yield { line: start, error: `has ${fields.length} fields where the header has ${header.length}` };
      continue;
    }
    yield csvRecord(start, header, fields);
  }
  if (open) yield { line: start, error: 'has a quoted value that never ends' };
}

function csvRecord(line: number, header: string[], fields: string[]): SourceRecord {
  const value: Record<string, unknown> = {};
  for (const [index, name] of header.entries()) {
    const cell = fields[index] ?? '';
    if (cell === '') continue;
    const [head, sub] = name.split('.', 2) as [string, string | undefined];
    if (sub) {
      value[head] ??= {};
      const nested = value[head] as Record<string, unknown>;
      nested[sub] = head === 'preferences' && sub === 'preferredContentTypes' ? cell.split('|') : cell;
    } else if (head === 'roles') value.roles = cell.split('|').map((role) => role.trim());
    else if (head === 'skills' || head === 'goals') {
      const parsed = nestsDeeperThan(cell) ? undefined : parsedLine(line, cell);
      if (parsed?.value === undefined) return { line, error: `${head}: is not a JSON array` };
      value[head] = parsed.value;
    } else value[head] = cell;
  }
  return { line, value };
}

/** The records of an import file, in order, streamed from disk. */
export function readRecords(path: string, format: ImportFormat): AsyncGenerator<SourceRecord> {
  return format === 'jsonl' ? jsonLines(path) : csvRows(path);
}
