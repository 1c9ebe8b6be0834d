import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One request the receiver got, with the headers a Standard Webhooks receiver reads. */
export interface Received {
  path: string;
  id: string;
  timestamp: number;
  signature: string;
  body: string;
  headers: Record<string, string>;
  at: number;
}

/** What a path answers next: a status (and headers, and a body other than `answered <status>`), or nothing at all (a hanging receiver). */
export type Answer = { status: number; headers?: Record<string, string>; body?: string } | 'hang';

/**
 * A webhook receiver on loopback: records every request, answers per path from a queue of answers (200
 * when it is empty), and verifies deliveries with the `standardwebhooks` package as a real app would.
 */
export async function startWebhookReceiver() {
  const received: Received[] = [];
  const answers = new Map<string, Answer[]>();
  const hanging = new Set<ServerResponse>();
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '/';
      const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)]));
      received.push({
        path,
        id: headers['webhook-id'] ?? '',
        timestamp: Number(headers['webhook-timestamp']),
        signature: headers['webhook-signature'] ?? '',
        body: Buffer.concat(chunks).toString('utf8'),
        headers,
        at: Date.now(),
      });
      const answer = answers.get(path)?.shift() ?? { status: 200 };
      if (answer === 'hang') {
        hanging.add(response);
        return;
      }
      response
        .writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers })
        .end(answer.body ?? `answered ${answer.status}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    received,
    at: (path: string) => received.filter((request) => request.path === path),
    /** The next answers of a path, in order. */
    answer(path: string, ...next: Answer[]) {
      answers.set(path, [...(answers.get(path) ?? []), ...next]);
    },
    /** The parsed body if the request verifies under the secret (standardwebhooks checks signature and timestamp); throws if not. */
    verify: (request: Received, secret: string) => new Webhook(secret).verify(request.body, request.headers) as Record<string, unknown>,
    verifies(request: Received, secret: string) {
      try {
        new Webhook(secret).verify(request.body, request.headers);
        return true;
      } catch {
        return false;
      }
    },
    /** Waits until a path has received `count` requests. */
    async until(path: string, count: number, timeoutMs = 15_000) {
      const deadline = performance.now() + timeoutMs;
      while (received.filter((request) => request.path === path).length < count) {
        if (performance.now() > deadline)
          throw new Error(`${path}: ${received.filter((r) => r.path === path).length} of ${count} deliveries`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      return received.filter((request) => request.path === path);
    },
    async close() {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export type WebhookReceiver = Awaited<ReturnType<typeof startWebhookReceiver>>;
