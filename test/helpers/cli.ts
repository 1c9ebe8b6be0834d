import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Database, openDatabase } from '../../src/db/client.js';

const bin = fileURLToPath(new URL('../../bin/tessera.js', import.meta.url));
const root = fileURLToPath(new URL('../../', import.meta.url));

/**
 * V8 flags for the processes a test spawns, which live for seconds: V8 then only baseline-compiles PGlite's
 * WebAssembly engine instead of also optimising it on background threads, which costs a third of a
 * command's CPU and is never paid back in so short a life. What the process does is unchanged.
 */
export const shortLivedNodeFlags = ['--liftoff-only'];

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A spawned command sees only the env its test gives it. */
const spawnOptions = (env: Record<string, string>) => ({
  env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'silent', ...env },
  cwd: root,
});

/** Runs the real `tessera` command in a child process (with `shortLivedNodeFlags`), with only the env a test gives it (and `input` on stdin). */
export function runCli(args: string[], env: Record<string, string> = {}, input = ''): Promise<CliResult> {
  return startCli(args, env, input).result;
}

/** `runCli`, with the process itself at hand while it runs: to send it a signal. */
export function startCli(args: string[], env: Record<string, string> = {}, input = '') {
  const child = spawn(process.execPath, [...shortLivedNodeFlags, bin, ...args], spawnOptions(env));
  const result = new Promise<CliResult>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.stdin.end(input);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { child, result };
}

const shellQuoted = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;

/** Keys typed at the terminal: at once, or each step once the output shows its question (after the prompt readied the terminal). */
export type Keystrokes = string | { after: string; keys: string }[];

/**
 * Runs the real `tessera` command on a terminal of its own (util-linux `script` gives it a pseudo-terminal),
 * typing `typed` into it: for what a command does only when a person is there to ask. The terminal merges
 * stdout and stderr (unless stdout goes to `stdoutFile`, as an operator's `> file`); `output` comes without its carriage returns and cursor movements.
 */
export function runCliOnTerminal(
  args: string[],
  env: Record<string, string>,
  typed: Keystrokes,
  stdoutFile?: string,
): Promise<{ code: number | null; output: string }> {
  const redirect = stdoutFile === undefined ? '' : ` > ${shellQuoted(stdoutFile)}`;
  const command = [process.execPath, ...shortLivedNodeFlags, bin, ...args].map(shellQuoted).join(' ') + redirect;
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['--quiet', '--return', '--command', command, '/dev/null'], spawnOptions(env));
    let output = '';
    // Typed at once, the terminal keeps it until the command reads its answer; a step waits for its question.
    const steps = typeof typed === 'string' ? [{ after: '', keys: typed }] : [...typed];
    let searchedFrom = 0;
    const typeWhatIsDue = () => {
      for (let step = steps[0]; step; step = steps[0]) {
        const found = output.indexOf(step.after, searchedFrom);
        if (found === -1) return;
        steps.shift();
        searchedFrom = found + step.after.length;
        child.stdin.write(step.keys);
        if (steps.length === 0) child.stdin.end();
      }
    };
    child.stdout.on('data', (chunk) => {
      output += chunk;
      typeWhatIsDue();
    });
    child.on('error', reject);
    typeWhatIsDue();
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the terminal's escape sequences are what is removed
    child.on('close', (code) => resolve({ code, output: output.replace(/\r|\u001b\[[0-9;]*[A-Za-z]/g, '') }));
  });
}

/** Opens the database a spawned command is given (by its env), for a test to look at or change between commands. */
export async function withDatabase<T>(env: Record<string, string>, fn: (database: Database) => Promise<T>): Promise<T> {
  const database = await openDatabase({
    DATABASE_URL: env.DATABASE_URL,
    DATA_DIR: env.DATA_DIR ?? '',
    EMBEDDED_SHARED_BUFFERS: env.EMBEDDED_SHARED_BUFFERS,
    DATABASE_REPLICA_URLS: [],
    DB_POOL_SIZE: 2,
    DB_CONNECTION_TIMEOUT: 5000,
    DB_IDLE_TIMEOUT: 1000,
    DB_STATEMENT_TIMEOUT: 30_000,
  });
  try {
    return await fn(database);
  } finally {
    await database.close();
  }
}
