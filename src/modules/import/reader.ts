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
 * The longest line read (a record of every field at its longest is a few kilobytes). A longer one is
 * refused as a whole without being kept: one endless line would otherwise fill the memory.
 */
const MAX_LINE_CHARS = 1024 * 1024;

/** A physical line and its number; no text when it is longer than MAX_LINE_CHARS. */
interface Line {
  number: number;
  text?: string;
}

const TOO_LONG = `is longer than ${MAX_LINE_CHARS} characters`;

/** Physical lines with their numbers, streamed: a million-line file never sits in memory, nor does an endless line. */
async function* lines(path: string): AsyncGenerator<Line> {
  let number = 0;
  let rest = '';
  let overlong = false;
  const line = (text: string): Line => ({
    number: ++number,
    ...(overlong || text.length > MAX_LINE_CHARS ? {} : { text: text.replace(/\r$/, '') }),
  });
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 }) as AsyncIterable<string>) {
    let start = 0;
    for (let end = chunk.indexOf('\n'); end !== -1; end = chunk.indexOf('\n', start)) {
      yield line(overlong ? '' : rest + chunk.slice(start, end));
      rest = '';
      overlong = false;
      start = end + 1;
    }
    if (!overlong) rest += chunk.slice(start);
    if (rest.length > MAX_LINE_CHARS) {
      overlong = true;
      rest = '';
    }
  }
  if (rest !== '' || overlong) yield line(rest);
}

async function* jsonLines(path: string): AsyncGenerator<SourceRecord> {
  for await (const { number, text } of lines(path)) {
    if (text === undefined) yield { line: number, error: TOO_LONG };
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
  for await (const { number, text } of lines(path)) {
    if (!open) start = number;
    if (text === undefined) {
      yield { line: start, error: TOO_LONG };
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
