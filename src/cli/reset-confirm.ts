import { resolve } from 'node:path';
import type { Config } from '../config.js';
import { askLine } from './prompt.js';
import { describeLastBackup } from './recovery.js';

/** A reset refused before it touched anything: not confirmed, or something else is using the database. */
export class ResetRefusedError extends Error {}

/** A database URL as it may be shown: its password masked, in the user part or as a parameter. */
export function maskedDatabaseUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
  return parsed.toString();
}

/** What a reset destroys, named so that whoever confirms it can tell it from their other databases. */
export function describeResetTarget({ DATABASE_URL: url, DATA_DIR: dataDir }: Pick<Config, 'DATABASE_URL' | 'DATA_DIR'>): string {
  if (!url) return `the embedded database in DATA_DIR ${resolve(dataDir)}`;
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  return `the PostgreSQL database ${name ? `"${name}" ` : ''}(${maskedDatabaseUrl(url)})`;
}

/**
 * A reset deletes every row: it runs with --force, or once someone at a terminal, told which database, says
 * yes. Without a terminal and without --force (a script, a CI job) it is refused before anything is opened.
 */
export async function confirmReset(config: Config, force: boolean): Promise<void> {
  if (force) return;
  const target = describeResetTarget(config);
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw new ResetRefusedError(
      `migrate reset drops every table and its data in ${target}; there is no terminal to confirm it in: pass --force to reset without asking`,
    );
  }
  process.stdout.write(
    `This drops every Tessera table and its data in ${target}, then applies every migration and seeds the preset ${config.DEFAULT_PRESET} again.\n`,
  );
  if (!config.DATABASE_URL) {
    const backup = describeLastBackup(config.DATA_DIR);
    process.stdout.write(`Last backup: ${backup ?? 'none recorded (`tessera backup --out FILE` takes one)'}\n`);
  }
  const answer = await askLine('Reset it? [y/N] ');
  if (!/^\s*y(es)?\s*$/i.test(answer ?? '')) throw new ResetRefusedError('cancelled: nothing was changed');
}
