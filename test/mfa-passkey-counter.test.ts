import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { mfaFactors } from '../src/db/schema/index.js';
import { recordPasskeyUse } from '../src/modules/mfa/queries.js';
import { insertUserWithProfile } from '../src/modules/users/queries.js';
import { createHarness, type Harness } from './helpers/app.js';

// The assertions themselves are verified in Chromium (mfa-passkeys); here, what the signature counter recording decides
// when two assertions of a cloned authenticator, each valid against the counter both were read with, arrive at once.
describe('a passkey signature counter recorded only while it moves forward', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(() => h.close());

  async function passkeyWithCounter(counter: number) {
    const db = h.context.database.primary;
    const user = await insertUserWithProfile(db, { email: `counter-${counter}-${Date.now()}@example.com`, status: 'ACTIVE' });
    const [row] = await db
      .insert(mfaFactors)
      .values({
        userId: user.id,
        type: 'WEBAUTHN',
        secret: 'a public key',
        credentialId: `credential-${user.id}`,
        counter,
        confirmedAt: new Date(),
      })
      .returning({ id: mfaFactors.id });
    return (row as { id: string }).id;
  }

  it('records one of two uses with the same counter sent at once, and refuses the other', async () => {
    const id = await passkeyWithCounter(5);
    const db = h.context.database.primary;
    for (let round = 6; round < 12; round++) {
      const outcomes = await Promise.all([0, 1].map(() => db.transaction((tx) => recordPasskeyUse(tx, id, round))));
      expect(outcomes.sort()).toEqual([false, true]);
    }
    const [stored] = await queryRows<{ counter: string }>(db, sql`SELECT counter FROM mfa_factors WHERE id = ${id}`);
    expect(Number(stored?.counter)).toBe(11);
  });

  it('refuses a counter at or below the stored one, and takes a synced passkey’s constant 0 each time', async () => {
    const db = h.context.database.primary;
    const counted = await passkeyWithCounter(5);
    expect(await recordPasskeyUse(db, counted, 5)).toBe(false);
    expect(await recordPasskeyUse(db, counted, 0)).toBe(false);
    expect(await recordPasskeyUse(db, counted, 6)).toBe(true);
    const synced = await passkeyWithCounter(0);
    expect(await recordPasskeyUse(db, synced, 0)).toBe(true);
    expect(await recordPasskeyUse(db, synced, 0)).toBe(true);
  });
});
