import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DirectoryLockedError, type LockHolder, lockDirectory, processStartTime, readLockHolder } from './dir-lock.js';

const dir = mkdtempSync(`${tmpdir()}/tessera-lock-`);
const lockModule = fileURLToPath(new URL('./dir-lock.ts', import.meta.url));
let counter = 0;
const freshFile = () => `${dir}/db-${counter++}.lock`;
const children: ChildProcess[] = [];

/** A node process running `script` (ES module, with `lockDirectory` in scope) through tsx, as the CLI runs. */
function node(script: string, args: string[] = []): ChildProcess {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', `import { lockDirectory } from ${JSON.stringify(lockModule)};\n${script}`, ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  return child;
}

const output = async (child: ChildProcess) => {
  let text = '';
  child.stdout?.on('data', (chunk) => {
    text += chunk;
  });
  const [code] = await once(child, 'exit');
  return { code: code as number | null, text };
};

/** Resolves once the child printed `line`. */
const printed = (child: ChildProcess, line: string) =>
  new Promise<void>((resolve) => {
    let text = '';
    child.stdout?.on('data', (chunk) => {
      text += chunk;
      if (text.includes(line)) resolve();
    });
  });

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the lock of an embedded database directory', () => {
  it('names this process and its start time, and goes with release()', () => {
    const file = freshFile();
    const lock = lockDirectory(file, 'backup');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      pid: process.pid,
      startTime: processStartTime(process.pid),
      command: 'backup',
    });
    expect(processStartTime(process.pid)).toBeGreaterThan(0);
    lock.release();
    expect(existsSync(file)).toBe(false);
    lockDirectory(file).release();
  });

  it('refuses a second opener in the same process', () => {
    const file = freshFile();
    const lock = lockDirectory(file, 'serve');
    expect(() => lockDirectory(file)).toThrow(DirectoryLockedError);
    try {
      lockDirectory(file);
    } catch (error) {
      expect((error as DirectoryLockedError).holder).toMatchObject({ pid: process.pid, command: 'serve' });
      expect((error as Error).message).toBe(`${file} is held by process ${process.pid} (tessera serve)`);
    }
    lock.release();
  });

  it('refuses while another live process holds it, and is free once that process exits without releasing', async () => {
    const file = freshFile();
    const holder = node(`lockDirectory(process.argv[1], 'serve'); console.log('held'); setInterval(() => {}, 1000);`, [file]);
    await printed(holder, 'held');
    expect(() => lockDirectory(file)).toThrow(DirectoryLockedError);
    expect(readLockHolder(file)?.pid).toBe(holder.pid);
    // Killed outright: no exit handler runs, the file stays, its pid is dead and the lock is taken over.
    holder.kill('SIGKILL');
    await once(holder, 'exit');
    expect(existsSync(file)).toBe(true);
    lockDirectory(file).release();
  });

  it('is released when its holder exits normally or dies of SIGTERM or SIGINT', async () => {
    for (const ending of ['process.exit(0)', "process.kill(process.pid, 'SIGTERM')", "process.kill(process.pid, 'SIGINT')"]) {
      const file = freshFile();
      const child = node(`lockDirectory(process.argv[1]); setInterval(() => {}, 1000); ${ending};`, [file]);
      const { code } = await output(child);
      expect([ending, existsSync(file)]).toEqual([ending, false]);
      expect(code === 0 || child.signalCode !== null).toBe(true);
    }
  });

  it('takes over the lock of a pid that now belongs to a younger process, and an unreadable lock file', () => {
    const reused = freshFile();
    const startTime = processStartTime(process.pid) as number;
    writeFileSync(reused, JSON.stringify({ pid: process.pid, startTime: startTime - 1, command: 'serve' } satisfies LockHolder));
    const lock = lockDirectory(reused, 'doctor');
    expect(readLockHolder(reused)).toEqual({ pid: process.pid, startTime, command: 'doctor' });
    lock.release();

    const torn = freshFile();
    writeFileSync(torn, '');
    lockDirectory(torn).release();
    expect(existsSync(torn)).toBe(false);
  });

  it('gives a stale lock to exactly one of several processes taking it over at once', async () => {
    const file = freshFile();
    const dead = node('');
    await once(dead, 'exit');
    writeFileSync(file, JSON.stringify({ pid: dead.pid, startTime: 1, command: 'serve' }));
    // They start apart (each loads tsx); waiting for one instant makes them judge the lock dead together.
    const together = String(Date.now() + 3000);
    const racers = Array.from({ length: 4 }, () =>
      node(
        `while (Date.now() < Number(process.argv[2])); try { lockDirectory(process.argv[1]); console.log('won'); setTimeout(() => process.exit(0), 1500); } catch (error) { console.log(error.constructor.name); }`,
        [file, together],
      ),
    );
    const results = await Promise.all(racers.map(output));
    expect(results.map((result) => result.text.trim()).sort()).toEqual([
      'DirectoryLockedError',
      'DirectoryLockedError',
      'DirectoryLockedError',
      'won',
    ]);
    expect(existsSync(file)).toBe(false);
    expect(existsSync(`${file}.takeover`)).toBe(false);
  }, 30_000);

  it('clears the takeover guard of a process that died taking a lock over, then takes the lock', () => {
    const file = freshFile();
    writeFileSync(file, JSON.stringify({ pid: 2 ** 22 + 1, startTime: 1, command: 'serve' }));
    writeFileSync(`${file}.takeover`, JSON.stringify({ pid: 2 ** 22 + 2, startTime: 1, command: 'backup' }));
    const lock = lockDirectory(file, 'doctor');
    expect(readLockHolder(file)).toMatchObject({ pid: process.pid, command: 'doctor' });
    expect(existsSync(`${file}.takeover`)).toBe(false);
    lock.release();
    expect(existsSync(file)).toBe(false);
  });

  it("refuses while a live process is taking a dead holder's lock over, naming that process", () => {
    const file = freshFile();
    const stale = { pid: 2 ** 22 + 3, startTime: 1, command: 'serve' };
    writeFileSync(file, JSON.stringify(stale));
    // This very process, as another opener in the middle of taking the lock over.
    writeFileSync(`${file}.takeover`, JSON.stringify({ pid: process.pid, startTime: processStartTime(process.pid), command: 'backup' }));
    expect(() => lockDirectory(file, 'doctor')).toThrow(`${file} is held by process ${process.pid} (tessera backup)`);
    expect(readLockHolder(file)).toEqual(stale);
  });
});
