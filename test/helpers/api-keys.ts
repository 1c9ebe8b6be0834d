import { apiKeys } from '../../src/db/schema/index.js';
import { randomToken, sha256 } from '../../src/modules/auth/secrets.js';
import type { Harness } from './app.js';

/**
 * A key made by another key, written through the data layer: no route makes one any more (keys are not
 * made with keys), but keys made that way before must still fall with their parent.
 */
export async function insertChildKey(h: Harness, parent: { id: string; userId: string }, scopes: string[] = []) {
  const secret = randomToken('tsk_');
  await h.context.database.primary.insert(apiKeys).values({
    userId: parent.userId,
    name: 'child',
    prefix: secret.slice(0, 12),
    keyHash: sha256(secret),
    scopes,
    createdByKeyId: parent.id,
  });
  return secret;
}
