/** A pass that runs every interval and on demand, one at a time. */
export interface PeriodicPass<T> {
  /** Runs a pass now, or joins the one running. */
  runOnce(): Promise<T>;
  /** Stops the timer and waits for a running pass to end. */
  stop(): Promise<void>;
}

/**
 * Runs `pass` every `intervalMs` (a tick while a pass still runs is skipped) and whenever `runOnce` is
 * called. `settled` hears how each timed pass ended (`failure` null: it succeeded); a failed pass is retried
 * at the next tick. The timer does not keep the process alive. `stop` aborts the pass's `signal`: a pass
 * of many steps ends at its next step.
 */
export function startPeriodicPass<T>(
  pass: (signal: AbortSignal) => Promise<T>,
  intervalMs: number,
  settled: (failure: { error: unknown } | null) => void,
): PeriodicPass<T> {
  let current: Promise<T> | undefined;
  const stopping = new AbortController();
  const runOnce = (): Promise<T> => {
    current ??= Promise.resolve()
      .then(() => pass(stopping.signal))
      .finally(() => {
        current = undefined;
      });
    return current;
  };
  const timer = setInterval(() => {
    if (current) return;
    runOnce().then(
      () => settled(null),
      (error: unknown) => settled({ error }),
    );
  }, intervalMs);
  timer.unref();
  return {
    runOnce,
    async stop() {
      clearInterval(timer);
      stopping.abort();
      await current?.catch(() => undefined);
    },
  };
}
