import { createInterface } from 'node:readline/promises';

/**
 * A password for a command: from stdin with `--password-stdin` (scripts, secrets managers), else typed
 * at a prompt that does not echo it. Never from argv, which every user of the machine can read.
 */
export async function readPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin) {
    let text = '';
    for await (const chunk of process.stdin) text += chunk;
    // Typed at a terminal, an answer ends with its newline: one that ends before it was cut short (Ctrl-D mid-line), never
    // a partial password. A pipe's end is the password's (`printf %s "$SECRET" |`).
    if (process.stdin.isTTY && !text.endsWith('\n')) throw new Error('cancelled: the input ended before the password and its newline');
    return text.replace(/\r?\n$/, '');
  }
  if (!process.stdin.isTTY) throw new Error('no terminal to ask for the password in: pass it on stdin with --password-stdin');
  const password = await askHidden('Password: ');
  if ((await askHidden('Password again: ')) !== password) throw new Error('the two passwords differ');
  return password;
}

/** What was typed after the answer to one question (a paste of both passwords): the next question's answer. */
let typedAhead = '';

// Questions go to stderr, with the other messages: stdout, the command's result, may be a file no one sees.
function askHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  // The terminal is raw before the question shows: keys typed at it are never echoed, nor Ctrl-D taken as end of input.
  stdin.setRawMode(true);
  process.stderr.write(question);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let typed = '';
    const cancel = () => finish(() => reject(new Error('cancelled')));
    const finish = (settle: () => void) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      settle();
    };
    const onData = (chunk: string) => {
      const chars = [...chunk];
      for (const [index, char] of chars.entries()) {
        if (char === '\r' || char === '\n') {
          typedAhead = chars.slice(index + 1).join('');
          return finish(() => resolve(typed));
        }
        // Ctrl-C, or Ctrl-D on an empty answer, as a shell's prompt takes them (raw mode hands both over as characters).
        if (char === '\u0003' || (char === '\u0004' && typed === '')) return cancel();
        if (char === '\u0004') continue;
        typed = char === '\u007f' || char === '\b' ? typed.slice(0, -1) : typed + char;
      }
    };
    stdin.on('data', onData);
    const ahead = typedAhead;
    typedAhead = '';
    if (ahead) onData(ahead);
  });
}

/** A line typed at the terminal; undefined when the question is cut short (Ctrl-C, end of input). */
export async function askLine(question: string): Promise<string | undefined> {
  const lines = createInterface({ input: process.stdin, output: process.stderr });
  // Without these, Ctrl-C or Ctrl-D leaves the question unanswered and the process ends as if it had succeeded.
  const cutShort = new AbortController();
  lines.once('SIGINT', () => cutShort.abort());
  lines.once('close', () => cutShort.abort());
  try {
    return await lines.question(question, { signal: cutShort.signal });
  } catch (error) {
    if (cutShort.signal.aborted) return undefined;
    throw error;
  } finally {
    lines.close();
  }
}
