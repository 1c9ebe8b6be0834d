import { AppError } from '../http/errors.js';

/** An answer about the request (a refusal, a limit) looks like any other; a 5xx says the machine failed, not the account. */
const answersTheRequest = (error: unknown) => error instanceof AppError && error.status < 500;

/**
 * Gives every answer of a flow that must look the same from outside, whatever the account (sign-up with a
 * taken or a free address, a reset for an account or for nobody), one time: the slowest of the flow's recent
 * runs on this node, whichever way they went. Padding only the cheap way up to a drawn time of the dear one
 * left it the longer of the two, so always slower; waiting on both sides for a time that either's own work
 * rarely reaches ends both at the same moment. It costs each answer the recent worst case of its flow, and
 * follows the machine's load as it changes; a run slower than every recent one answers at its own end, once.
 * A run the machine failed (the database gone: 503) answers at once and is not kept: it tells nothing of an
 * account, must answer within its own bound, and its wait must not slow the flow once the database is back.
 */
export function createTimingPad(kept = 50) {
  const durations: number[] = [];
  let next = 0;

  async function answerAtTheSlowest(started: number) {
    durations[next] = performance.now() - started;
    next = (next + 1) % kept;
    const remaining = started + Math.max(...durations) - performance.now();
    if (remaining > 0) await new Promise((resolve) => setTimeout(resolve, remaining));
  }

  return {
    /** Runs `work`, then answers once the slowest recent run's time has passed since it began (a refusal too). */
    async pad<T>(work: () => Promise<T>): Promise<T> {
      const started = performance.now();
      let result: T;
      try {
        result = await work();
      } catch (error) {
        if (answersTheRequest(error)) await answerAtTheSlowest(started);
        throw error;
      }
      await answerAtTheSlowest(started);
      return result;
    },
  };
}
