import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Interrupted } from '../src/cli/interruption.js';
import { backupDatabase, type ProgressReporter } from '../src/db/backup.js';
import { systemCaller } from '../src/platform/caller.js';
import { createHarness, type Harness } from './helpers/app.js';

/**
 * A progress reporter that writes down what it is told, and aborts `stop` once `interruptAfter` rows have been
 * reported: the operator's Ctrl-C, mid-way.
 */
function recordingProgress(stop: AbortController, interruptAfter: number) {
  const told: string[] = [];
  let rows = 0;
  const reporter: ProgressReporter = {
    start: (label) => told.push(`start ${label}`),
    advance: (count) => {
      rows += count;
      if (rows >= interruptAfter) stop.abort(new Interrupted('SIGINT'));
    },
    stop: () => told.push('stop'),
  };
  return { reporter, told };
}

// A terminal's progress bar ends its line only when stopped: a command interrupted mid-way must stop the bar it
// started, or its last words are printed on the bar's line.
describe('progress of an interrupted command', () => {
  let h: Harness;
  let dir: string;

  beforeAll(async () => {
    h = await createHarness();
    dir = mkdtempSync(join(tmpdir(), 'tessera-progress-'));
  }, 120_000);
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await h?.close();
  });

  it('stops the bar of the table a backup was reading when it is interrupted', async () => {
    const stop = new AbortController();
    const { reporter, told } = recordingProgress(stop, 1);
    await expect(backupDatabase(h.context.database, join(dir, 'cut.jsonl.gz'), reporter, stop.signal)).rejects.toBeInstanceOf(Interrupted);
    expect(told.length).toBeGreaterThan(0);
    expect(told.at(-1)).toBe('stop');
    expect(told.filter((entry) => entry === 'stop').length).toBe(told.filter((entry) => entry.startsWith('start')).length);
  });

  it("stops the check's bar when an import is interrupted while checking", async () => {
    const file = join(dir, 'people.jsonl');
    writeFileSync(file, Array.from({ length: 1200 }, (_, n) => JSON.stringify({ email: `checked${n}@example.com` })).join('\n'));
    const stop = new AbortController();
    const { reporter, told } = recordingProgress(stop, 1);
    await expect(
      h.app.modules.importer.importFile(systemCaller('test'), file, {}, reporter, undefined, stop.signal),
    ).rejects.toBeInstanceOf(Interrupted);
    expect(told).toEqual(['start checking', 'stop']);
  });
});
