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
 * at the next tick. The timer does not keep the process alive.
 */
export function startPeriodicPass<T>(
  pass: () => Promise<T>,
  intervalMs: number,
  settled: (failure: { error: unknown } | null) => void,
): PeriodicPass<T> {
  let current: Promise<T> | undefined;
  const runOnce = (): Promise<T> => {
    current ??= Promise.resolve()
      .then(pass)
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
      await current?.catch(() => undefined);
    },
  };
}
