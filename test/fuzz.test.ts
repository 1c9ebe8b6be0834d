import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from './helpers/app.js';
import { type Credentials, fuzz } from './helpers/fuzz.js';
import { auditChainReport, fuzzHarness } from './helpers/fuzz-setup.js';

const TOTAL = Number(process.env.FUZZ_TOTAL ?? 2500);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);

describe(`schema-driven fuzzing of every documented operation (${TOTAL} requests, seed ${SEED})`, () => {
  let h: Harness;
  let credentials: Credentials;
  beforeAll(async () => {
    ({ h, credentials } = await fuzzHarness());
  });
  afterAll(() => h.close());

  it('never answers 5xx, always answers problem+json with a code, never shows internals, and leaves the audit chain valid', async () => {
    const { problems } = await fuzz(h.app, credentials, { total: TOTAL, seed: SEED });
    expect(problems.slice(0, 20)).toEqual([]);
    const chain = await auditChainReport(h, credentials);
    expect(chain).toMatchObject({ valid: true });
    expect(chain.checked).toBeGreaterThan(0);
  }, 300_000);
});
