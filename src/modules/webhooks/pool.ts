import { createClaimPass } from '../../platform/claim-pass.js';
import { repeatAfterEachPass } from '../../platform/repeating.js';

type PoolLog = { warn(details: object, message: string): void };
/** A delivery as the pool schedules it: which endpoint it goes to, and whose (null: a platform-wide endpoint). */
export type Queued = { id: string; webhookId: string; organizationId: string | null };
/** The endpoints and organizations (null: the platform-wide endpoints, one group) this node already sends its share to. */
export type AtCap = { endpoints: string[]; organizations: (string | null)[] };

/** Attempts one node runs at once: in all, to one endpoint, for one organization. */
export interface Shares {
  slots: number;
  /** A hanging endpoint holds this many slots, not all. */
  perEndpoint: number;
  /** One organization's hanging endpoints hold this many slots, not all; the platform-wide endpoints are one group. */
  perOrganization: number;
}

interface PoolOptions<Row extends Queued, Log extends PoolLog> extends Shares {
  pollMs: number;
  /** Due deliveries at `at`, at most `perEndpoint` per endpoint and `perOrganization` per organization, none of those `atCap`. */
  find(at: Date, limit: number, atCap: AtCap): Promise<Queued[]>;
  /** Leases those of `ids` still due; what it returns is this node's to send. */
  claim(at: Date, ids: string[]): Promise<Row[]>;
  /** Makes one attempt and records its outcome. */
  send(row: Row, at: Date, log: Log): Promise<void>;
  /** The warning a failed claim or attempt logs. */
  failure: string;
}

function countBy<Key>(sending: Map<string, Queued>, key: (queued: Queued) => Key) {
  const counts = new Map<Key, number>();
  for (const queued of sending.values()) {
    const group = key(queued);
    counts.set(group, (counts.get(group) ?? 0) + 1);
  }
  return counts;
}

/** Attempts in flight on this node per endpoint and per organization. */
const inFlight = (sending: Map<string, Queued>) => ({
  endpoints: countBy(sending, (queued) => queued.webhookId),
  organizations: countBy(sending, (queued) => queued.organizationId),
});

const reached = <Key>(counts: Map<Key, number>, cap: number) => [...counts].filter(([, count]) => count >= cap).map(([key]) => key);

/**
 * The deliveries of `candidates` that fit: at most `room` in all, and per endpoint and per organization what
 * their share leaves beside those already `sending`. A delivery this node is sending is never taken twice.
 */
export function fitting(candidates: Queued[], room: number, shares: Omit<Shares, 'slots'>, sending: Map<string, Queued>): string[] {
  const { endpoints, organizations } = inFlight(sending);
  const chosen: string[] = [];
  for (const candidate of candidates) {
    if (chosen.length >= room) break;
    const toEndpoint = endpoints.get(candidate.webhookId) ?? 0;
    const forOrganization = organizations.get(candidate.organizationId) ?? 0;
    if (sending.has(candidate.id) || toEndpoint >= shares.perEndpoint || forOrganization >= shares.perOrganization) continue;
    endpoints.set(candidate.webhookId, toEndpoint + 1);
    organizations.set(candidate.organizationId, forOrganization + 1);
    chosen.push(candidate.id);
  }
  return chosen;
}

/**
 * Sends the webhook outbox on this node as a pool of attempts that run independently: a slot that frees
 * (an attempt answered, failed or timed out) is filled at once from what is due, so a slow receiver delays
 * only its own deliveries. Claims run one at a time; a fill asked for during one makes it look once more
 * (a row committed meanwhile may have been missed). Runs at start, every `pollMs` and on `wake`.
 */
export function createDeliveryPool<Row extends Queued, Log extends PoolLog>(options: PoolOptions<Row, Log>) {
  const { slots, perEndpoint, perOrganization } = options;
  const sending = new Map<string, Row & { done: Promise<void> }>();
  let log: Log | undefined;
  let polling: ReturnType<typeof repeatAfterEachPass> | undefined;
  let stopping = false;

  const warnTo = (passLog: Log) => (error: unknown) => passLog.warn({ err: error }, options.failure);

  function begin(row: Row, at: Date, passLog: Log) {
    const done = options
      .send(row, at, passLog)
      .catch(warnTo(passLog))
      .finally(() => {
        sending.delete(row.id);
        if (!stopping) void fill(passLog).catch(warnTo(passLog));
      });
    sending.set(row.id, { ...row, done });
  }

  async function claimRound(at: Date, passLog: Log): Promise<number> {
    const room = slots - sending.size;
    if (room <= 0 || stopping) return 0;
    const { endpoints, organizations } = inFlight(sending);
    const atCap = { endpoints: reached(endpoints, perEndpoint), organizations: reached(organizations, perOrganization) };
    const chosen = fitting(await options.find(at, slots, atCap), room, { perEndpoint, perOrganization }, sending);
    const rows = await options.claim(at, chosen);
    for (const row of rows) begin(row, at, passLog);
    return rows.length;
  }

  /** Claims into the free slots what is due at `now` (by default, at each claim); returns how many it claimed. */
  const { pass: fill, inProgress } = createClaimPass(
    (passLog: Log, now?: Date) => claimRound(now ?? new Date(), passLog),
    (claimed) => claimed > 0,
  );

  return {
    /** The log of the started pool, if it runs. */
    log: () => log,
    /** Sends what is due at `now` until nothing is and no attempt of this node is open; returns how many it claimed. */
    async drain(passLog: Log, now?: Date): Promise<number> {
      let claimed = await fill(passLog, now);
      while (sending.size > 0) {
        await Promise.race([...sending.values()].map((row) => row.done));
        claimed += await fill(passLog, now);
      }
      return claimed;
    },
    wake() {
      if (log) void fill(log).catch(warnTo(log));
    },
    start(startLog: Log) {
      log = startLog;
      stopping = false;
      polling = repeatAfterEachPass(() => fill(startLog), options.pollMs, { firstAfterMs: 0, onFailure: warnTo(startLog) });
    },
    /** Stops claiming and waits for the attempts in flight (each ends within the timeout). */
    async stop() {
      stopping = true;
      log = undefined;
      polling?.stop();
      polling = undefined;
      await inProgress()?.catch(() => 0);
      await Promise.all([...sending.values()].map((row) => row.done));
    },
  };
}
