import { createClaimPass } from './claim-pass.js';
import { repeatAfterEachPass } from './repeating.js';

type DrainLog = { warn(details: object, message: string): void };

interface DrainOptions<Log extends DrainLog> {
  /** How many rows one claim takes; a claim that comes back with fewer means nothing more is due. */
  batchSize: number;
  pollMs: number;
  /** Claims what is due at `at` and sends it; returns how many rows it claimed. */
  sendBatch: (log: Log, at: Date) => Promise<number>;
  /** The warning a failed pass logs. */
  failure: string;
}

/**
 * Sends an outbox on this node: each pass claims batches until one comes back short, and a pass runs at
 * start, every `pollMs` after the previous one ends, and on `wake` (a row was just committed). Concurrent
 * passes share the one in progress and make it look once more: a row committed while it ran may have
 * been missed by its claim.
 */
export function createOutboxDrain<Log extends DrainLog>({ batchSize, pollMs, sendBatch, failure }: DrainOptions<Log>) {
  let log: Log | undefined;
  let polling: ReturnType<typeof repeatAfterEachPass> | undefined;
  // Sends what is due at `now` (by default, at each claim) until a claim comes back short.
  const { pass: drain, inProgress } = createClaimPass(
    (passLog: Log, now?: Date) => sendBatch(passLog, now ?? new Date()),
    (claimed) => claimed === batchSize,
  );

  const warnTo = (passLog: Log) => (error: unknown) => passLog.warn({ err: error }, failure);
  const pass = (passLog: Log) => drain(passLog).catch(warnTo(passLog));

  return {
    drain,
    /** The log of the started drain, if it runs. */
    log: () => log,
    wake() {
      if (log) void pass(log);
    },
    start(startLog: Log) {
      log = startLog;
      polling = repeatAfterEachPass(() => drain(startLog), pollMs, {
        firstAfterMs: 0,
        onFailure: warnTo(startLog),
      });
    },
    /** Stops polling and waits for the pass in progress. */
    async stop() {
      log = undefined;
      polling?.stop();
      polling = undefined;
      await inProgress()?.catch(() => 0);
    },
  };
}
