import type { Logger as DrizzleLogger } from 'drizzle-orm';
import { pino } from 'pino';

/**
 * LOG_QUERIES: each statement drizzle builds, as an info line named sql on standard error (standard output is
 * a command's answer). Its text only: the parameters carry
 * password and token hashes, which no log may hold. A statement Tessera sends by hand (migrations, locks) is not
 * drizzle's and is not logged.
 */
export function statementLogger(enabled: boolean | undefined): DrizzleLogger | undefined {
  if (!enabled) return undefined;
  const log = pino({ name: 'sql' }, pino.destination(2));
  return { logQuery: (query) => log.info({ sql: query }, 'query') };
}
