import { closeSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';

/** Who holds a directory: enough to tell a live holder from a dead one whose pid was reused. */
export interface LockHolder {
  pid: number;
  /** The process's start time in clock ticks after boot (/proc/<pid>/stat, field 22); null where there is no /proc. */
  startTime: number | null;
  /** What the holder runs (`serve`, `backup`, …), for the message that names it. */
  command: string;
}

/** Another live process holds the directory: its files must not be touched. */
export class DirectoryLockedError extends Error {
  constructor(
    readonly lockFile: string,
    readonly holder: LockHolder,
  ) {
    super(`${lockFile} is held by process ${holder.pid} (tessera ${holder.command})`);
  }
}

export interface DirectoryLock {
  readonly file: string;
  release(): void;
}

/** A process's start time, or null when it cannot be read (no such process, or no /proc on this system). */
export function processStartTime(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[19]);
  } catch {
    return null;
  }
}

function processExists(pid: number): boolean {
  // kill(0) would signal our own process group
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the process that wrote the lock is still the one running under that pid. */
export function holderIsAlive(holder: LockHolder): boolean {
  if (!processExists(holder.pid)) return false;
  if (holder.startTime === null) return true;
  const startTime = processStartTime(holder.pid);
  // Where /proc cannot tell, a live pid counts as the holder: refusing is safer than two openers.
  return startTime === null || startTime === holder.startTime;
}

/** The holder a lock file names; undefined when there is no lock file. A file that cannot be parsed is a dead holder's. */
export function readLockHolder(file: string): LockHolder | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const holder = JSON.parse(text) as LockHolder;
    if (Number.isInteger(holder.pid) && holder.pid > 0) return holder;
  } catch {
    // a holder killed between creating the file and writing it
  }
  return { pid: 0, startTime: null, command: 'unknown' };
}

const sameHolder = (a: LockHolder | undefined, b: LockHolder) => a?.pid === b.pid && a.startTime === b.startTime;

/**
 * Creates the lock file only if there is none: written whole under a name of our own, then linked into
 * place, which like O_EXCL fails when the file exists. Of two processes racing, exactly one gets it, and
 * nobody ever reads a lock file half written.
 */
function createExclusively(file: string, holder: LockHolder): boolean {
  const draft = `${file}.${process.pid}`;
  const fd = openSync(draft, 'w', 0o600);
  try {
    writeSync(fd, JSON.stringify(holder));
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(draft, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(draft);
  }
}

/**
 * Removes a lock file if it still names `stale`, by moving it aside and putting it back when it turns out to
 * be another one. Between the move and the return the name is free, and a third process may take it: so this
 * serves only the takeover guard below, whose holder died within its few statements.
 */
function moveAsideIfStill(file: string, stale: LockHolder) {
  const aside = `${file}.stale-${process.pid}`;
  try {
    renameSync(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    if (!sameHolder(readLockHolder(aside), stale)) linkSync(aside, file);
  } catch {
    // a third process already holds it: it stays theirs
  } finally {
    unlinkSync(aside);
  }
}

/**
 * Removes a dead holder's lock, under a guard (`<lock>.takeover`, created like the lock itself): under it,
 * the lock is read again and removed only if it still names the dead holder. Several processes may judge the
 * lock dead at once; without the guard, a late one could remove the lock a rival had just taken, and a third
 * could take it in between: two openers of one database. False when another process holds the guard.
 */
function removeStaleLock(file: string, stale: LockHolder, self: LockHolder): boolean {
  const guard = takeoverGuard(file);
  if (!createExclusively(guard, self)) {
    const taker = readLockHolder(guard);
    if (taker && !holderIsAlive(taker)) moveAsideIfStill(guard, taker);
    return false;
  }
  try {
    if (sameHolder(readLockHolder(file), stale)) unlinkSync(file);
  } finally {
    unlinkSync(guard);
  }
  return true;
}

const takeoverGuard = (file: string) => `${file}.takeover`;

/** Blocks this thread for `ms`: taking a lock is synchronous, and a rival's takeover lasts microseconds. */
function pause(ms: number) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** How often a process looks again while rivals take over a dead holder's lock (10 ms apart at most). */
const ATTEMPTS = 50;

/**
 * Takes the lock file of a directory for this process, or throws DirectoryLockedError naming the live
 * holder. A lock left by a process that died (no such pid, or a pid reused by a younger process) is taken
 * over. The lock goes with release() and, whatever happens, when the process exits.
 */
export function lockDirectory(file: string, command = process.argv[2] ?? 'node'): DirectoryLock {
  const self: LockHolder = { pid: process.pid, startTime: processStartTime(process.pid), command };
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (createExclusively(file, self)) return heldLock(file, self);
    const holder = readLockHolder(file);
    if (!holder) continue;
    // Our own pid with our own start time is this process opening the directory twice: refused as well.
    if (holderIsAlive(holder)) throw new DirectoryLockedError(file, holder);
    if (!removeStaleLock(file, holder, self)) pause(10);
  }
  // Another process has been taking the lock over all this time: it is the one about to hold the directory.
  const holder = readLockHolder(takeoverGuard(file)) ?? readLockHolder(file);
  throw new DirectoryLockedError(file, holder ?? { pid: 0, startTime: null, command: 'unknown' });
}

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function heldLock(file: string, self: LockHolder): DirectoryLock {
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    process.off('exit', release);
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
    // Only our own: after a takeover by someone judging us dead, the file is theirs.
    if (sameHolder(readLockHolder(file), self)) unlinkSync(file);
  };
  // A process that handles the signal itself (the server drains, then closes the database) releases on
  // close; one that would simply die releases first and then dies of the same signal, as it would have.
  const onSignal = (signal: NodeJS.Signals) => {
    if (process.listenerCount(signal) > 1) return;
    release();
    process.kill(process.pid, signal);
  };
  process.on('exit', release);
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  return { file, release };
}
