import { AsyncLocalStorage } from 'node:async_hooks';
import { type SQL, sql } from 'drizzle-orm';
import type { Db, Tx } from '../db/client.js';
import { preparedOnce } from '../db/prepared.js';
import type { Caller } from './caller.js';

interface BaseEvent {
  readonly type: string;
}

export type Emit<E extends BaseEvent> = (event: E) => Promise<void>;

/** Work done inside the use case's transaction when an event is emitted; it may emit any event of the catalogue (`All`). */
export type InTransaction<E extends BaseEvent, All extends BaseEvent = E> = (
  tx: Tx,
  event: E,
  context: { caller: Caller; emit: Emit<All> },
) => Promise<void>;

/**
 * Writes what a use case's events leave behind (audit rows, activity rows, the webhook outbox), in its
 * transaction, once its work is done: every event it emitted in one call, so a use case that emits three
 * events still writes its audit rows in one statement.
 */
export type Writer<E extends BaseEvent> = (tx: Tx, events: readonly E[], caller: Caller) => Promise<void>;

/**
 * The audit row of a use case that is one statement (`runAsStatement`): a data-modifying CTE of that statement
 * inserting the event's row once for each row of `source` (the statement's CTE of what it changed), its values
 * placeholders (the statement is rendered once) that `values` fills for each event.
 */
export interface StatementWriter<E extends BaseEvent> {
  insertFrom(source: SQL): SQL;
  values(event: E, caller: Caller): Record<string, unknown>;
}

/** What `runAsStatement` hands its statement: the audit CTE builder and the event's values for it. */
export interface StatementAudit {
  insertFrom(source: SQL): SQL;
  values: Record<string, unknown>;
}

/** Work done once the transaction has committed; it must not throw into the caller (the change is made). */
export type AfterCommit<E extends BaseEvent> = (event: E) => Promise<void> | void;

type EffectLog = { error(details: object, message: string): void };

type EventOfType<E extends BaseEvent, T extends E['type']> = Extract<E, { type: T }>;

/**
 * The one way a use case writes: one transaction, typed events emitted inside it, effects after commit.
 *
 * - `record(writer)`: every event, in the transaction, written together once the work is done (the audit trail,
 *   the activity log, the webhook outbox).
 * - `react(types, handler)`: another module's work in the same transaction (auth ends a suspended user's sessions).
 * - `afterCommit(types, effect)`: after commit (revocation broadcast, permission-cache invalidation).
 * - `whenCommitted(effect)`: from code running inside a use case, one effect after this commit (mail wake-up).
 * - `committed(caller)`, given once at wiring: the commit itself (where the caller's reads must catch up to).
 */
/** Told after each commit who wrote (so their next reads wait for a replica that has it). */
export type Committed = (caller: Caller) => Promise<void>;

export function createUseCases<E extends BaseEvent>(db: Db, log: EffectLog, committed: Committed = async () => {}) {
  const writers: Writer<E>[] = [];
  const inspectors: ((event: E) => void)[] = [];
  let statementWriter: StatementWriter<E> | undefined;
  let recordAlone: ReturnType<typeof preparedOnce> | undefined;
  const reactions = new Map<string, InTransaction<E>[]>();
  const effects = new Map<string, AfterCommit<E>[]>();
  /** The running use case's events so far and its effects after commit. */
  const current = new AsyncLocalStorage<{ emitted: E[]; pending: (() => Promise<void> | void)[] }>();

  const on = <H>(map: Map<string, H[]>, types: readonly string[], handler: H) => {
    for (const type of types) map.set(type, [...(map.get(type) ?? []), handler]);
  };

  async function settle(effect: () => Promise<void> | void, what: string) {
    try {
      await effect();
    } catch (error) {
      log.error({ err: error, effect: what }, 'after-commit effect failed; the change itself is committed');
    }
  }

  async function afterCommit(caller: Caller, emitted: E[], pending: (() => Promise<void> | void)[]) {
    await settle(() => committed(caller), 'committed');
    for (const event of emitted) for (const effect of effects.get(event.type) ?? []) await settle(() => effect(event), event.type);
    for (const effect of pending) await settle(effect, 'whenCommitted');
  }

  /**
   * A use case that is one statement, which is its own transaction (data-modifying CTEs commit together):
   * no BEGIN and COMMIT round trips, for a hot path whose whole work fits one statement. The statement writes
   * `event`'s audit row itself, with the CTE it is handed, and answers whether it changed anything (`wrote`);
   * the event's after-commit effects then follow as after `run`. Only for an internal event that the audit
   * trail alone records (no activity row, no webhook) and that no module reacts to in the transaction.
   */
  async function runAsStatement<T>(
    caller: Caller,
    event: E,
    statement: (audit: StatementAudit) => Promise<{ result: T; wrote: boolean }>,
  ): Promise<T> {
    if (!statementWriter) throw new Error('runAsStatement() without a statement writer registered');
    if (reactions.has(event.type)) throw new Error(`runAsStatement(): ${event.type} has in-transaction reactions`);
    for (const inspector of inspectors) inspector(event);
    const { result, wrote } = await statement({ insertFrom: statementWriter.insertFrom, values: statementWriter.values(event, caller) });
    if (wrote) await afterCommit(caller, [event], []);
    return result;
  }

  return {
    record(writer: Writer<E>) {
      writers.push(writer);
    },
    /**
     * Sees every event as it is emitted, on both paths (`run` and `runAsStatement`), before anything is
     * written: tests check each payload against its catalogue schema here.
     */
    inspect(inspector: (event: E) => void) {
      inspectors.push(inspector);
    },
    /** The audit writer's form for `runAsStatement` (registered beside `record`, in src/modules/index.ts only). */
    recordInStatement(writer: StatementWriter<E>) {
      statementWriter = writer;
    },
    react<T extends E['type']>(types: readonly T[], handler: InTransaction<EventOfType<E, T>, E>) {
      on(reactions, types, handler as unknown as InTransaction<E>);
    },
    afterCommit<T extends E['type']>(types: readonly T[], effect: AfterCommit<EventOfType<E, T>>) {
      on(effects, types, effect as unknown as AfterCommit<E>);
    },
    whenCommitted(effect: () => Promise<void> | void) {
      const running = current.getStore();
      if (!running) throw new Error('whenCommitted() called outside a use case');
      running.pending.push(effect);
    },
    /**
     * Work in a savepoint of the use case's transaction, for a step that may fail and leave the use case going
     * (a unique violation that lost a race): when it fails, the events it emitted are dropped with its writes,
     * so no audit row, outbox entry or after-commit effect speaks of what was rolled back.
     */
    async savepoint<T>(tx: Tx, work: (savepoint: Tx) => Promise<T>): Promise<T> {
      const running = current.getStore();
      if (!running) throw new Error('savepoint() called outside a use case');
      const emittedBefore = running.emitted.length;
      try {
        return await tx.transaction(work);
      } catch (error) {
        running.emitted.length = emittedBefore;
        throw error;
      }
    },

    async run<T>(caller: Caller, work: (tx: Tx, emit: Emit<E>) => Promise<T>): Promise<T> {
      const emitted: E[] = [];
      const pending: (() => Promise<void> | void)[] = [];
      const result = await current.run({ emitted, pending }, () =>
        db.transaction(async (tx) => {
          const emit: Emit<E> = async (event) => {
            for (const inspector of inspectors) inspector(event);
            emitted.push(event);
            for (const handler of reactions.get(event.type) ?? []) await handler(tx, event, { caller, emit });
          };
          const done = await work(tx, emit);
          if (emitted.length > 0) for (const writer of writers) await writer(tx, emitted, caller);
          return done;
        }),
      );
      await afterCommit(caller, emitted, pending);
      return result;
    },

    runAsStatement,

    /**
     * A use case whose whole work is its event (a wrong second factor, which changes nothing else): its audit
     * row in one statement, on the conditions of `runAsStatement`.
     */
    async emitAlone(caller: Caller, event: E) {
      if (!statementWriter) throw new Error('emitAlone() without a statement writer registered');
      const writer = statementWriter;
      recordAlone ??= preparedOnce('record_event_alone', () => writer.insertFrom(sql`(SELECT 1) AS event`));
      const record = recordAlone;
      await runAsStatement(caller, event, async (audit) => {
        await record(db, audit.values);
        return { result: undefined, wrote: true };
      });
    },
  };
}

export type UseCases<E extends BaseEvent> = ReturnType<typeof createUseCases<E>>;
