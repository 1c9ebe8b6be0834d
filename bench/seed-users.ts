import { SingleBar } from 'cli-progress';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/client.js';

const FIRST = [
  'Ada',
  'Alan',
  'Grace',
  'Linus',
  'Margaret',
  'Dennis',
  'Barbara',
  'Ken',
  'Frances',
  'Edsger',
  'Zoë',
  'José',
  'Amélie',
  'Søren',
  'Chloé',
  'Noël',
  'Ana',
  'Björn',
  'Ines',
  'Mateo',
  'Yuki',
  'Priya',
  'Omar',
  'Léa',
  'Hugo',
  'Maja',
  'Luca',
  'Sofía',
  'Kai',
  'Nora',
];
const LAST = [
  'Lovelace',
  'Turing',
  'Hopper',
  'Torvalds',
  'Hamilton',
  'Ritchie',
  'Liskov',
  'Thompson',
  'Allen',
  'Dijkstra',
  'Müller',
  'García',
  'Dubois',
  'Kierkegaard',
  'Lefèvre',
  'Nöel',
  'Silva',
  'Borg',
  'Ibáñez',
  'Rossi',
  'Tanaka',
  'Sharma',
  'Haddad',
  'Martin',
  'Bernard',
  'Nowak',
  'Bianchi',
  'López',
  'Schmidt',
  'Novak',
];
const BATCH = 50_000;

// A UUIDv7 made in SQL (PostgreSQL 15 has no uuidv7()): 48-bit ms timestamp, version 7, variant 10, random rest.
const uuidv7 = (ts: string) =>
  `(lpad(to_hex((extract(epoch FROM ${ts}) * 1000)::bigint), 12, '0') || '7' || substr(md5(random()::text), 1, 3) || '8' || substr(md5(random()::text), 1, 15))::uuid`;

/**
 * Seeds `count` users with profiles and a role straight into the database of a server's `env` (PostgreSQL's
 * DATABASE_URL, or PGlite's DATA_DIR while no server holds it), 50,000 per statement, with a progress bar: a
 * million takes minutes. Names mix accents so search exercises unaccent.
 */
export async function seedUsers(env: Record<string, string>, count: number) {
  const database = await openDatabase(loadConfig({ ...env, LOG_LEVEL: 'silent' }, '/nonexistent/.env'));
  try {
    return await database.withSession(async (session) => {
      const roles = await session.query<{ id: string; name: string }>(`SELECT id, name FROM roles WHERE name IN ('user', 'admin')`);
      const userRole = roles.find((role) => role.name === 'user')?.id;
      const adminRole = roles.find((role) => role.name === 'admin')?.id;
      const bar = new SingleBar({
        format: 'seeding users [{bar}] {percentage}% | {value}/{total} | eta {eta_formatted}',
        stream: process.stderr,
      });
      bar.start(count, 0);
      for (let start = 1; start <= count; start += BATCH) {
        const end = Math.min(start + BATCH - 1, count);
        await session.query(
          `WITH src AS (
           SELECT g,
                  ($3::text[])[1 + g % array_length($3::text[], 1)] AS first_name,
                  ($4::text[])[1 + (g / 7) % array_length($4::text[], 1)] AS last_name,
                  now() - make_interval(secs => (g::double precision / $2) * 94608000 + random() * 60) AS created
           FROM generate_series($1::int, $5::int) g
         ), u AS (
           INSERT INTO users (id, email, username, first_name, last_name, status, email_verified_at, last_login_at, created_at, updated_at)
           SELECT ${uuidv7('created')},
                  lower(unaccent(first_name || '.' || last_name)) || '.' || g || '@example.com',
                  'user' || g, first_name, last_name,
                  (CASE WHEN g % 20 = 0 THEN 'SUSPENDED' WHEN g % 20 = 1 THEN 'PENDING' WHEN g % 20 = 2 THEN 'INACTIVE' ELSE 'ACTIVE' END)::user_status,
                  CASE WHEN g % 3 = 0 THEN NULL ELSE created END,
                  CASE WHEN g % 4 = 0 THEN NULL ELSE created + interval '1 day' END,
                  created, created
           FROM src
           RETURNING id, created_at
         ), p AS (
           INSERT INTO profiles (id, user_id) SELECT ${uuidv7('created_at')}, id FROM u
         )
         INSERT INTO user_roles (user_id, role_id)
         SELECT id, CASE WHEN random() < 0.01 THEN $7::uuid ELSE $6::uuid END FROM u`,
          [start, count, FIRST, LAST, end, userRole, adminRole ?? userRole],
        );
        bar.update(end);
      }
      bar.stop();
      await session.exec('ANALYZE users; ANALYZE profiles; ANALYZE user_roles;');
      const sample = await session.query<{ id: string }>(`SELECT id FROM users TABLESAMPLE SYSTEM (1) LIMIT 1000`);
      return sample.map((row) => row.id);
    });
  } finally {
    await database.close();
  }
}
