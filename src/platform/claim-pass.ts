/**
 * One claiming pass at a time on this node: a pass claims round after round while `more` says the last round may
 * have left something due, and a call while one runs shares it and makes it look once more (a row committed
 * meanwhile may have been missed by its claim). `inProgress` is the running pass, for a stop to wait on.
 */
export function createClaimPass<Args extends unknown[]>(round: (...args: Args) => Promise<number>, more: (claimed: number) => boolean) {
  let running: Promise<number> | undefined;
  let again = false;

  /** Claims until nothing more is due; how many rows the pass claimed. */
  function pass(...args: Args): Promise<number> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      let total = 0;
      try {
        do {
          again = false;
          let claimed: number;
          do {
            claimed = await round(...args);
            total += claimed;
          } while (more(claimed));
        } while (again);
      } finally {
        running = undefined;
      }
      return total;
    })();
    return running;
  }

  return { pass, inProgress: () => running };
}
