import { SingleBar } from 'cli-progress';
import type { ProgressReporter } from '../db/backup.js';

/** Where progress goes: a terminal (a bar), a log file or the control channel (a line every few seconds). */
type ProgressStream = NodeJS.WriteStream | { isTTY: false; write(text: string): unknown };

/** A progress bar on a terminal; a line every few seconds when the output is a log file. */
export function progressReporter(stream: ProgressStream = process.stderr): ProgressReporter {
  if (stream.isTTY) {
    let bar: SingleBar | undefined;
    return {
      start(label, total) {
        bar = new SingleBar(
          { format: `${label.padEnd(22)} [{bar}] {percentage}% | {value}/{total} | eta {eta_formatted}`, stream },
          undefined,
        );
        bar.start(total, 0);
      },
      advance: (count) => bar?.increment(count),
      stop: () => bar?.stop(),
    };
  }
  let label = '';
  let total = 0;
  let done = 0;
  let lastPrint = Date.now();
  return {
    start(name, count) {
      label = name;
      total = count;
      done = 0;
      lastPrint = Date.now();
    },
    advance(count) {
      done += count;
      if (Date.now() - lastPrint > 2000) {
        lastPrint = Date.now();
        stream.write(`${label}: ${done}/${total}\n`);
      }
    },
    stop: () => stream.write(`${label}: ${done}/${total} rows\n`),
  };
}
