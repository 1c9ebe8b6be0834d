import { sql } from 'drizzle-orm';
import { type Executor, queryRows } from '../../db/client.js';

export interface UserFigures {
  total: number;
  active: number;
  recentSignups: number;
  byRole: { role: string; count: number }[];
}

/** Seed 001's monitoring queries, read-only and from a replica when there is one. */
export async function readUserFigures(db: Executor): Promise<UserFigures> {
  const [totals] = await queryRows<{ total: string; active: string; recent: string }>(
    db,
    sql`SELECT count(*) AS total,
               count(*) FILTER (WHERE status = 'ACTIVE') AS active,
               count(*) FILTER (WHERE created_at > now() - interval '24 hours') AS recent
        FROM users`,
  );
  const byRole = await queryRows<{ role: string; count: string }>(
    db,
    sql`SELECT r.name AS role, count(ur.user_id) AS count
        FROM roles r LEFT JOIN user_roles ur ON ur.role_id = r.id
        GROUP BY r.name`,
  );
  return {
    total: Number(totals?.total ?? 0),
    active: Number(totals?.active ?? 0),
    recentSignups: Number(totals?.recent ?? 0),
    byRole: byRole.map((row) => ({ role: row.role, count: Number(row.count) })),
  };
}
