import { randomUUID } from 'node:crypto';

/** A message as it travels: who sent it, its number with that sender, then the message itself. */
const ENVELOPE = /^([0-9a-f-]{36}) (\d+) ([\s\S]*)$/;

/**
 * Publish-and-wait over pub/sub, so that a change answers only once every node has acted on its message
 * (a revocation biting on the very next request, whichever node serves it). Each message goes out with its
 * sender and a number; every node that handles it answers on the sender's own channel; the sender waits for
 * as many answers as the bus counted receivers, for `patienceMs` at most (a node that cannot answer by then
 * is one cut off from the bus, which has stopped trusting its caches by itself).
 */
export function createAcknowledgements(prefix: string, patienceMs: number) {
  const nodeId = randomUUID();
  const answerChannel = (sender: string) => `${prefix}ack:${sender}`;
  let sequence = 0;
  const waiting = new Map<string, { answers: number; expected: number; done: () => void }>();

  return {
    /** Where this node hears the answers to its own messages. */
    channel: answerChannel(nodeId),

    /**
     * Sends `message` through `send` (which answers how many receivers the bus handed it to) and, when
     * `wait`, resolves once that many have answered or `patienceMs` has passed. Rejects only as `send` does.
     */
    async publish(send: (text: string) => Promise<number>, message: string, wait: boolean) {
      const number = String(++sequence);
      let done = () => {};
      const answered = new Promise<void>((resolve) => {
        done = resolve;
      });
      // Registered before sending: an answer may come back before the bus's own reply does.
      const entry = { answers: 0, expected: Number.POSITIVE_INFINITY, done };
      if (wait) waiting.set(number, entry);
      let timer: NodeJS.Timeout | undefined;
      try {
        entry.expected = await send(`${nodeId} ${number} ${message}`);
        if (!wait || entry.answers >= entry.expected) return;
        await Promise.race([answered, new Promise((resolve) => (timer = setTimeout(resolve, patienceMs)))]);
      } finally {
        clearTimeout(timer);
        waiting.delete(number);
      }
    },

    /** An answer heard on `channel`. */
    heard(number: string) {
      const entry = waiting.get(number);
      if (entry && ++entry.answers >= entry.expected) entry.done();
    },

    /**
     * The message inside what a node received, and where to send its answer once it has acted on it.
     * Text that is not an envelope is a message as it is, owed no answer.
     */
    open(text: string): { message: string; answer?: { channel: string; number: string } } {
      const parts = ENVELOPE.exec(text);
      if (!parts) return { message: text };
      const [, sender, number, message] = parts as unknown as [string, string, string, string];
      return { message, answer: { channel: answerChannel(sender), number } };
    },
  };
}
