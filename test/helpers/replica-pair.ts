import { execFile } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports.js';

/**
 * A PostgreSQL 15 primary and a streaming replica of its own, under a temporary directory on free ports:
 * `initdb` with wal_level=replica and a replication line in pg_hba.conf, `pg_basebackup -R`, and a replay
 * delay (recovery_min_apply_delay), as a busy replica would lag. The machine's own cluster is not touched.
 * As root the binaries run as the `postgres` user (PostgreSQL refuses to run as root).
 */
const BIN = process.env.POSTGRES_BIN ?? '/usr/lib/postgresql/15/bin';

/** Why the replica pair cannot be made here, or undefined when it can. */
export const replicaPairUnavailable = existsSync(join(BIN, 'pg_basebackup'))
  ? undefined
  : `PostgreSQL binaries not found in ${BIN} (set POSTGRES_BIN): the replica tests need initdb, pg_ctl and pg_basebackup`;

const run = promisify(execFile);
const asRoot = process.getuid?.() === 0;

async function postgresTool(tool: string, args: string[]) {
  const [command, commandArgs] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(BIN, tool), ...args]] : [join(BIN, tool), args];
  await run(command, commandArgs, { cwd: '/tmp', timeout: 120_000 });
}

export interface ReplicaPair {
  primaryUrl: string;
  replicaUrl: string;
  stopReplica(): Promise<void>;
  startReplica(): Promise<void>;
  /** Changes the replica's replay delay (a reload, no restart). */
  setApplyDelay(ms: number): Promise<void>;
  dispose(): Promise<void>;
}

/** Enough connections for three nodes' pools and job runners; durability off, as nothing here must survive a crash. */
const SERVER_SETTINGS = `
listen_addresses = '127.0.0.1'
wal_level = replica
max_wal_senders = 5
hot_standby = on
max_connections = 300
shared_buffers = 32MB
fsync = off
full_page_writes = off
`;

export async function startReplicaPair({ applyDelayMs = 400 } = {}): Promise<ReplicaPair> {
  if (replicaPairUnavailable) throw new Error(replicaPairUnavailable);
  const dir = mkdtempSync(join(tmpdir(), 'tessera-replicas-'));
  if (asRoot) {
    const { uid, gid } = statSync('/var/lib/postgresql');
    chownSync(dir, uid, gid);
  }
  const [primaryPort, replicaPort] = [await freePort(), await freePort()];
  const [primaryDir, replicaDir] = [join(dir, 'primary'), join(dir, 'replica')];
  const ctl = (dataDir: string, ...args: string[]) => postgresTool('pg_ctl', ['-D', dataDir, '-l', `${dataDir}.log`, ...args]);
  const configure = (dataDir: string, text: string) => appendFileSync(join(dataDir, 'postgresql.conf'), text);

  await postgresTool('initdb', ['-D', primaryDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
  configure(primaryDir, `${SERVER_SETTINGS}port = ${primaryPort}\nunix_socket_directories = '${dir}'\n`);
  appendFileSync(join(primaryDir, 'pg_hba.conf'), 'host replication postgres 127.0.0.1/32 trust\n');
  await ctl(primaryDir, '-w', 'start');
  await postgresTool('pg_basebackup', [
    '-h',
    '127.0.0.1',
    '-p',
    String(primaryPort),
    '-U',
    'postgres',
    '-D',
    replicaDir,
    '-R',
    '-X',
    'stream',
    '-c',
    'fast',
  ]);
  configure(replicaDir, `port = ${replicaPort}\nrecovery_min_apply_delay = '${applyDelayMs}ms'\n`);
  await ctl(replicaDir, '-w', 'start');

  return {
    primaryUrl: `postgres://postgres@127.0.0.1:${primaryPort}/postgres`,
    replicaUrl: `postgres://postgres@127.0.0.1:${replicaPort}/postgres`,
    stopReplica: () => ctl(replicaDir, '-m', 'immediate', 'stop'),
    startReplica: () => ctl(replicaDir, '-w', 'start'),
    setApplyDelay: async (ms) => {
      configure(replicaDir, `recovery_min_apply_delay = '${ms}ms'\n`);
      await ctl(replicaDir, 'reload');
    },
    dispose: async () => {
      await ctl(replicaDir, '-m', 'immediate', 'stop').catch(() => {});
      await ctl(primaryDir, '-m', 'immediate', 'stop').catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
