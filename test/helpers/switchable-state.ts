import { createMemoryState, type SharedState } from '../../src/platform/shared-state.js';

/** In-process state whose bus can be taken down and brought back, as Redis's would. */
export function switchableState() {
  let connected = true;
  const lost: (() => void)[] = [];
  const state: SharedState = {
    ...createMemoryState(),
    isConnected: () => connected,
    onMessagesLost: (handler) => {
      lost.push(handler);
    },
  };
  return {
    state,
    down: () => {
      connected = false;
    },
    back: () => {
      for (const handler of lost) handler();
      connected = true;
    },
  };
}
