import { AsyncLocalStorage } from 'node:async_hooks';
import type { Db, Tx } from '../db/client.js';
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

/** Work done once the transaction has committed; it must not throw into the caller (the change is made). */
export type AfterCommit<E extends BaseEvent> = (event: E) => Promise<void> | void;

type EffectLog = { error(details: object, message: string): void };

type EventOfType<E extends BaseEvent, T extends E['type']> = Extract<E, { type: T }>;

/**
 * The one way a use case writes: one transaction, typed events emitted inside it, effects after commit.
 *
 * - `record(writer)`: every event, in the transaction (the audit trail; later the activity log, the webhook outbox).
 * - `react(types, handler)`: another module's work in the same transaction (auth ends a suspended user's sessions).
 * - `afterCommit(types, effect)`: after commit (revocation broadcast, permission-cache invalidation).
 * - `whenCommitted(effect)`: from code running inside a use case, one effect after this commit (mail wake-up).
 * - `committed(caller)`, given once at wiring: the commit itself (where the caller's reads must catch up to).
 */
/** Told after each commit who wrote (so their next reads wait for a replica that has it). */
export type Committed = (caller: Caller) => Promise<void>;

export function createUseCases<E extends BaseEvent>(db: Db, log: EffectLog, committed: Committed = async () => {}) {
  const writers: InTransaction<E>[] = [];
  const reactions = new Map<string, InTransaction<E>[]>();
  const effects = new Map<string, AfterCommit<E>[]>();
  const current = new AsyncLocalStorage<(() => Promise<void> | void)[]>();

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

  return {
    record(writer: InTransaction<E>) {
      writers.push(writer);
    },
    react<T extends E['type']>(types: readonly T[], handler: InTransaction<EventOfType<E, T>, E>) {
      on(reactions, types, handler as unknown as InTransaction<E>);
    },
    afterCommit<T extends E['type']>(types: readonly T[], effect: AfterCommit<EventOfType<E, T>>) {
      on(effects, types, effect as unknown as AfterCommit<E>);
    },
    whenCommitted(effect: () => Promise<void> | void) {
      const pending = current.getStore();
      if (!pending) throw new Error('whenCommitted() called outside a use case');
      pending.push(effect);
    },

    async run<T>(caller: Caller, work: (tx: Tx, emit: Emit<E>) => Promise<T>): Promise<T> {
      const emitted: E[] = [];
      const pending: (() => Promise<void> | void)[] = [];
      const result = await current.run(pending, () =>
        db.transaction(async (tx) => {
          const emit: Emit<E> = async (event) => {
            emitted.push(event);
            for (const writer of writers) await writer(tx, event, { caller, emit });
            for (const handler of reactions.get(event.type) ?? []) await handler(tx, event, { caller, emit });
          };
          return work(tx, emit);
        }),
      );
      await settle(() => committed(caller), 'committed');
      for (const event of emitted) for (const effect of effects.get(event.type) ?? []) await settle(() => effect(event), event.type);
      for (const effect of pending) await settle(effect, 'whenCommitted');
      return result;
    },
  };
}

export type UseCases<E extends BaseEvent> = ReturnType<typeof createUseCases<E>>;
