import { constants } from 'node:os';

export type StopSignal = 'SIGINT' | 'SIGTERM';

export const isStopSignal = (value: unknown): value is StopSignal => value === 'SIGINT' || value === 'SIGTERM';

/** SIGINT or SIGTERM stopped a command: it exits 128 + the signal's number, as a shell reports a process the signal ended. */
export class Interrupted extends Error {
  constructor(readonly signal: StopSignal) {
    super(`interrupted by ${signal}`);
  }

  get exitCode(): number {
    return 128 + constants.signals[this.signal];
  }
}

/**
 * Runs a command that stops cleanly: the first SIGINT or SIGTERM aborts `stop` (its reason an `Interrupted`), and
 * the command removes what it began or finishes the step it is in, then says how far it got. A second one ends the
 * process at once, for an operator who will not wait.
 */
export async function stoppable<T>(work: (stop: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const interrupt = (signal: StopSignal) => {
    if (controller.signal.aborted) process.exit(new Interrupted(signal).exitCode);
    controller.abort(new Interrupted(signal));
  };
  process.on('SIGINT', interrupt).on('SIGTERM', interrupt);
  try {
    return await work(controller.signal);
  } finally {
    process.off('SIGINT', interrupt).off('SIGTERM', interrupt);
  }
}
