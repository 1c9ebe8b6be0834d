import { describe, expect, it } from 'vitest';
import { createAcknowledgements } from './acknowledgements.js';

/** A bus of `receivers` nodes, each answering once it has the message, after `answerAfterMs`. */
function bus(acks: ReturnType<typeof createAcknowledgements>, receivers: number, answerAfterMs: number[]) {
  const sent: string[] = [];
  const send = async (text: string) => {
    sent.push(text);
    const { answer } = acks.open(text);
    for (const delay of answerAfterMs) setTimeout(() => answer && acks.heard(answer.number), delay);
    return receivers;
  };
  return { send, sent };
}

describe('acknowledgements', () => {
  it('waits for as many answers as the bus counted receivers', async () => {
    const acks = createAcknowledgements('p:', 5_000);
    const { send, sent } = bus(acks, 2, [0, 60]);
    const started = performance.now();
    await acks.publish(send, 'user:u1', true);
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
    expect(acks.open(sent[0] as string)).toEqual({
      message: 'user:u1',
      answer: { channel: expect.stringMatching(/^p:ack:/), number: '1' },
    });
  });

  it('counts an answer that comes back before the bus has replied', async () => {
    // Uncounted, the publish would wait out a patience longer than the case's time limit.
    const acks = createAcknowledgements('p:', 600_000);
    const send = async (text: string) => {
      acks.heard(acks.open(text).answer?.number as string);
      return 1;
    };
    await acks.publish(send, '*', true);
  });

  it('gives up after its patience when a receiver never answers', async () => {
    const acks = createAcknowledgements('p:', 80);
    const { send } = bus(acks, 2, [0]);
    const started = performance.now();
    await acks.publish(send, 'session:s1', true);
    expect(performance.now() - started).toBeGreaterThanOrEqual(75);
  });

  it('does not wait when it cannot hear answers, and reads text without an envelope as a message owed none', async () => {
    const acks = createAcknowledgements('p:', 60_000);
    await acks.publish(bus(acks, 3, []).send, 'user:u2', false);
    expect(acks.open('user:u3')).toEqual({ message: 'user:u3' });
    expect(acks.channel).toMatch(/^p:ack:[0-9a-f-]{36}$/);
  });
});
