/**
 * DATABASE_URL_TEST names the PostgreSQL server the suite makes its databases on apart from the app's own
 * DATABASE_URL (a `.env.test` may hold it); where it is set it wins, for the suite and every process it starts.
 * Called by the vitest configurations, before any worker starts.
 */
export function preferTestDatabaseUrl(env: NodeJS.ProcessEnv = process.env) {
  if (env.DATABASE_URL_TEST) env.DATABASE_URL = env.DATABASE_URL_TEST;
}
