import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string[];
  raw: string;
  subject: string;
  /** The first link in the message, if any. */
  link?: string;
}

/** A header as a person reads it: folded lines joined, RFC 2047 encoded words (a subject in German) decoded. */
function decodeHeader(value: string) {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/\r?\n[ \t]/g, ' ')
    .replace(/=\?utf-8\?([bq])\?([^?]*)\?=/gi, (_word, encoding: string, text: string) =>
      encoding.toLowerCase() === 'b'
        ? Buffer.from(text, 'base64').toString('utf8')
        : Buffer.from(
            text.replace(/_/g, ' ').replace(/=([0-9a-f]{2})/gi, (_hex, code: string) => String.fromCharCode(Number.parseInt(code, 16))),
            'latin1',
          ).toString('utf8'),
    )
    .trim();
}

/** A real SMTP receiver in the test process: what Tessera sends arrives here over TCP. */
export async function startSmtpReceiver(port = 0) {
  const inbox: ReceivedMail[] = [];
  const waiters: (() => void)[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (chunk) => {
        raw += chunk;
      });
      stream.on('end', () => {
        const unfolded = raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
        inbox.push({
          to: session.envelope.rcptTo.map((address) => address.address),
          raw: unfolded,
          // From the raw message: a folded header line may end in `?=`, which the body's soft-break removal would eat.
          subject: decodeHeader(/^Subject: (.*(?:\r?\n[ \t].*)*)$/m.exec(raw)?.[1] ?? ''),
          link: /(https?:\/\/[^\s"<>]+)/.exec(unfolded)?.[1],
        });
        for (const wake of waiters.splice(0)) wake();
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.server.address() as AddressInfo;
  return {
    inbox,
    url: `smtp://127.0.0.1:${address.port}`,
    port: address.port,
    /** Waits for a mail to `to` (optionally matching the subject) and returns it. */
    async waitFor(to: string, subject?: RegExp, timeoutMs = 10_000): Promise<ReceivedMail> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = inbox.find((mail) => mail.to.includes(to) && (!subject || subject.test(mail.subject)));
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no mail to ${to}${subject ? ` matching ${subject}` : ''}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type SmtpReceiver = Awaited<ReturnType<typeof startSmtpReceiver>>;

export const tokenOf = (link: string | undefined) => new URL(link ?? '').searchParams.get('token') ?? '';
