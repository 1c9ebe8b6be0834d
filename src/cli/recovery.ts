import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { BackupHeader } from '../db/backup.js';
import { embeddedDatabaseDir, embeddedLockFile } from '../db/client.js';
import { holderIsAlive, readLockHolder } from '../db/dir-lock.js';

/** The last backup taken of an embedded directory, kept beside it so that recovery can name it. */
interface BackupRecord {
  file: string;
  createdAt: string;
}

const recordFile = (dataDir: string) => join(dataDir, 'last-backup.json');

export function recordBackup(dataDir: string, file: string, header: BackupHeader): void {
  writeFileSync(recordFile(dataDir), JSON.stringify({ file, createdAt: header.createdAt } satisfies BackupRecord), { mode: 0o600 });
}

export function lastBackup(dataDir: string): BackupRecord | undefined {
  try {
    return JSON.parse(readFileSync(recordFile(dataDir), 'utf8')) as BackupRecord;
  } catch {
    return undefined;
  }
}

export const describeLastBackup = (dataDir: string) => {
  const record = lastBackup(dataDir);
  return record ? `${record.file} (taken ${record.createdAt})` : undefined;
};

/** What to do when the embedded database directory cannot be opened: keep the damaged copy, restore the last backup. */
export function restoreAdvice(databaseDir: string): string {
  const dataDir = dirname(databaseDir);
  const record = lastBackup(dataDir);
  const restore = record
    ? `tessera restore --in ${record.file} (the last backup, taken ${record.createdAt})`
    : 'tessera restore --in YOUR-LAST-BACKUP (no backup of this DATA_DIR is recorded)';
  return `they are damaged (two processes had it open at once, or a disk fault). Keep them for inspection: mv ${databaseDir} ${databaseDir}.damaged; then restore into a fresh one: ${restore}`;
}

/** Who holds an embedded directory, as `tessera doctor` says it. */
export function describeLock(dataDir: string): string {
  const holder = readLockHolder(embeddedLockFile(embeddedDatabaseDir(dataDir)));
  if (!holder) return 'lock: free (no process has the database open)';
  if (holderIsAlive(holder)) return `lock: held by \`tessera ${holder.command}\` (pid ${holder.pid})`;
  return `lock: left by pid ${holder.pid}, which no longer runs (killed?): the next start takes it over`;
}
