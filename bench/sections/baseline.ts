import type { Section } from '../lib.js';

/** What the stack costs before any domain work: the reference every other figure is a ratio of. */
export const baseline: Section = {
  name: 'baseline',
  async run(_target, measure) {
    return [
      await measure('baseline', { title: 'GET /health/live', requests: [{ method: 'GET', path: '/health/live' }] }),
      await measure('baseline', { title: 'GET /health (db round trip)', requests: [{ method: 'GET', path: '/health' }] }),
    ];
  },
};
