import PgBoss from 'pg-boss';
import type { Database } from '../db/client.js';

/** The job runner's schema: made at its first start, outside the migrations (a reset drops it too). */
export const JOBS_SCHEMA = 'pgboss';

type Handler = () => Promise<void>;
type JobLog = { error(details: object, message: string): void };

export interface JobRunner {
  /** Runs `handler` on one node at a time, on a cron schedule (UTC); registered before `start`. */
  every(name: string, cron: string, handler: Handler): void;
  /** Queues one run of a registered job now (operators, tests). */
  runNow(name: string): Promise<void>;
  start(log: JobLog): Promise<void>;
  stop(): Promise<void>;
}

/**
 * pg-boss's `executeSql` over PGlite: statements without parameters may be several at once
 * (pg-boss's own migrations), which only the simple-query path (`exec`) accepts.
 */
function pgliteExecutor(database: Database) {
  const pglite = database.pglite;
  if (!pglite) throw new Error('not an embedded database');
  return {
    executeSql: async (text: string, values?: unknown[]) => {
      if (values && values.length > 0) return { rows: (await pglite.query(text, values)).rows };
      const results = await pglite.exec(text);
      return { rows: results.at(-1)?.rows ?? [] };
    },
  };
}

/**
 * Scheduled work (expiries, reminders, retention) through pg-boss: jobs live in the database, so a
 * schedule survives restarts and runs once across any number of nodes.
 */
export function createJobRunner(database: Database, options: { connectionString?: string; enabled: boolean }): JobRunner {
  const jobs = new Map<string, { cron: string; handler: Handler }>();
  let boss: PgBoss | undefined;
  return {
    every(name, cron, handler) {
      jobs.set(name, { cron, handler });
    },
    async runNow(name) {
      if (!boss) throw new Error('the job runner is not started');
      await boss.send(name, {});
    },
    async start(log) {
      if (!options.enabled) return;
      boss = new PgBoss(
        options.connectionString
          ? { connectionString: options.connectionString, schema: JOBS_SCHEMA, max: 2 }
          : { db: pgliteExecutor(database) as unknown as PgBoss.Db, schema: JOBS_SCHEMA },
      );
      boss.on('error', (error) => log.error({ err: error }, 'job runner error'));
      await boss.start();
      for (const [name, { cron, handler }] of jobs) {
        await boss.createQueue(name);
        await boss.schedule(name, cron, {}, { tz: 'UTC' });
        await boss.work(name, { pollingIntervalSeconds: 2 }, async () => handler());
      }
    },
    async stop() {
      await boss?.stop({ graceful: true, wait: true, timeout: 5000 });
      boss = undefined;
    },
  };
}
