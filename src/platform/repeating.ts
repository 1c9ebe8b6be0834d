/**
 * Runs `pass` again `everyMs` after each one ends, the first after `firstAfterMs`: never two at once (a slow pass
 * delays the next instead of piling up, as setInterval would), and the timer keeps no process alive. A failed
 * pass is `onFailure`'s to tell; the next one still comes. `stop` ends it, a pass in progress included.
 */
export function repeatAfterEachPass(
  pass: () => Promise<unknown>,
  everyMs: number,
  { firstAfterMs = everyMs, onFailure }: { firstAfterMs?: number; onFailure: (error: unknown) => void },
) {
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    void pass()
      .catch(onFailure)
      .finally(() => {
        if (timer) timer = setTimeout(tick, everyMs).unref();
      });
  };
  timer = setTimeout(tick, firstAfterMs).unref();
  return {
    stop() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
