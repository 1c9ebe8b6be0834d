import { createInterface } from 'node:readline/promises';

/**
 * A password for a command: from stdin with `--password-stdin` (scripts, secrets managers), else typed
 * at a prompt that does not echo it. Never from argv, which every user of the machine can read.
 */
export async function readPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin) {
    let text = '';
    for await (const chunk of process.stdin) text += chunk;
    return text.replace(/\r?\n$/, '');
  }
  if (!process.stdin.isTTY) throw new Error('no terminal to ask for the password in: pass it on stdin with --password-stdin');
  const password = await askHidden('Password: ');
  if ((await askHidden('Password again: ')) !== password) throw new Error('the two passwords differ');
  return password;
}

function askHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stdout.write(question);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = (settle: () => void) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stdout.write('\n');
      settle();
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return finish(() => resolve(typed));
        if (char === '\u0003') return finish(() => reject(new Error('cancelled')));
        typed = char === '\u007f' || char === '\b' ? typed.slice(0, -1) : typed + char;
      }
    };
    stdin.on('data', onData);
  });
}

/** A line typed at the terminal; undefined when the question is cut short (Ctrl-C, end of input). */
export async function askLine(question: string): Promise<string | undefined> {
  const lines = createInterface({ input: process.stdin, output: process.stdout });
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
