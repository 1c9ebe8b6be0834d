import { event } from '../../platform/events.js';

/**
 * One event per committed batch of an import (not one per user: a hundred thousand audit rows would
 * outweigh the users themselves); it names every user the batch created or updated.
 */
export const importEvents = {
  'users.imported': event<{ created: number; updated: number; invited: number; userIds: string[] }>('import'),
} as const;

/** Updated users may have gained roles: their cached access drops on every node. */
export const accessChangingImports = ['users.imported'] as const;
