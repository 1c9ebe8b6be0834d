import { Type } from '@sinclair/typebox';
import { payload, publicEvent } from '../../platform/events.js';

const Count = Type.Integer({ minimum: 0 });

/**
 * One event per committed batch of an import (not one per user: a hundred thousand audit rows would
 * outweigh the users themselves); it names every user the batch created or updated.
 */
export const importEvents = {
  'users.imported': publicEvent(
    'import',
    1,
    payload({ created: Count, updated: Count, invited: Count, userIds: Type.Array(Type.String()) }),
  ),
} as const;

/** Updated users may have gained roles: their cached access drops on every node. */
export const accessChangingImports = ['users.imported'] as const;
