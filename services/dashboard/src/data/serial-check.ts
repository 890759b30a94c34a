/** The timers a serial check uses (the page's own; a test's fake ones). */
export interface CheckClock {
  now(): number;
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(timer: unknown): void;
}

export interface SerialCheck {
  /** Asks for a check: now, or once the running one ended and `spacingMs` passed since it started. */
  request(): void;
  /** Drops a queued check; a running one's result is then not applied (`current()` is false). */
  dispose(): void;
}

const pageClock: CheckClock = {
  now: () => Date.now(),
  setTimeout: (run, ms) => globalThis.setTimeout(run, ms),
  clearTimeout: (timer) => globalThis.clearTimeout(timer as ReturnType<typeof setTimeout>),
};

/**
 * Runs `check` one at a time, starts at least `spacingMs` apart: requests while one runs or waits merge
 * into one queued check, so results arrive in the order the checks started. `check` applies its result
 * only while `current()` holds (until `dispose`).
 */
export function serialCheck(
  check: (current: () => boolean) => Promise<void>,
  spacingMs: number,
  clock: CheckClock = pageClock,
): SerialCheck {
  let running = false;
  let queued = false;
  let timer: unknown = null;
  let lastStart = Number.NEGATIVE_INFINITY;
  let disposed = false;
  const current = () => !disposed;

  const start = () => {
    timer = null;
    queued = false;
    running = true;
    lastStart = clock.now();
    check(current)
      .catch(() => {
        // The check says nothing on failure: the next request checks again.
      })
      .finally(() => {
        running = false;
        if (queued && !disposed) schedule();
      });
  };
  const schedule = () => {
    if (timer !== null) return;
    const wait = lastStart + spacingMs - clock.now();
    if (wait <= 0) start();
    else timer = clock.setTimeout(start, wait);
  };
  return {
    request() {
      if (disposed) return;
      queued = true;
      if (!running) schedule();
    },
    dispose() {
      disposed = true;
      queued = false;
      if (timer !== null) clock.clearTimeout(timer);
      timer = null;
    },
  };
}
