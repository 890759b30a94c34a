import { MetricsLog } from '../metrics-log.ts';
import type { LogLevel, NodeMetric, ProgressReport, RunContext, RunOptions, UnwiredEnd } from '../types.ts';
import { type ProgressScope, RootProgress } from './progress.ts';

/** Everything one `run()` shares across its node steps (and nothing else does). */
export interface RunState {
  readonly signal: AbortSignal;
  readonly now: () => number;
  readonly progress: RootProgress;
  readonly metrics: MetricsLog;
  /** Graph steps (the step's copy) whose own level ended on an action with no edge, and where. */
  readonly unwiredEnds: WeakMap<object, UnwiredEnd>;
  warn(message: string, data?: unknown): void;
  log(level: LogLevel, message: string, data?: unknown): void;
  recordMetric(metric: NodeMetric): void;
  stepStarted(nodeId: string): void;
  /**
   * Steps and batch items await this between them: after a stretch of work with no pause it lets the
   * event loop run, so an abort, a timer or the host's I/O can get in. Undefined while none is due.
   */
  pauseIfBusy(): Promise<void> | undefined;
}

/**
 * Synchronous nodes chained by awaits run as one microtask stream that never yields to timers or I/O:
 * a graph looping over such nodes could not be cancelled or timed out, and would stall a worker's main
 * thread. A pause every few milliseconds of uninterrupted work bounds that.
 */
const BUSY_MS = 10;

export function createRunState<S>(options: RunOptions<S>): RunState {
  const signal = options.signal ?? new AbortController().signal;
  const now = options.now ?? (() => performance.now());
  const metrics = new MetricsLog(options.metricsKept);
  const warnSink = (message: string, data?: unknown): void => {
    if (options.logger) options.logger.warn(message, data);
    else if (data === undefined) console.warn(message);
    else console.warn(message, data);
  };
  // A failing progress/log listener must not fail the workflow: report it and carry on.
  const guarded =
    <A extends unknown[]>(name: string, listener: ((...args: A) => void) | undefined) =>
    (...args: A): void => {
      if (!listener) return;
      try {
        listener(...args);
      } catch (error) {
        warnSink(`${name} listener threw`, error);
      }
    };
  const onLog = guarded('onLog', options.onLog);
  const onProgress = guarded<[ProgressReport]>('onProgress', options.onProgress);
  const onMetric = guarded<[NodeMetric]>('onMetric', options.onMetric);
  const onStepStart = guarded<[string]>('onStepStart', options.onStepStart);
  let busySince = performance.now();
  return {
    signal,
    now,
    progress: new RootProgress(onProgress, now, (options.progressFrom ?? 0) / 100),
    metrics,
    unwiredEnds: new WeakMap(),
    warn(message, data) {
      warnSink(message, data);
      onLog('warn', message, data);
    },
    log: onLog,
    recordMetric(metric) {
      metrics.add(metric);
      onMetric(metric);
    },
    stepStarted: onStepStart,
    pauseIfBusy() {
      if (performance.now() - busySince < BUSY_MS) return undefined;
      return new Promise((resolve) => {
        nextTurn(() => {
          busySince = performance.now();
          resolve();
        });
      });
    },
  };
}

/**
 * Runs `callback` in a later turn of the event loop, after pending timers and I/O: `setImmediate` where the
 * runtime has it (Node), else a zero timeout: the engine assumes no Node globals.
 */
function nextTurn(callback: () => void): void {
  const { setImmediate } = globalThis as { setImmediate?: (callback: () => void) => unknown };
  if (setImmediate) setImmediate(callback);
  else setTimeout(callback, 0);
}

/** The context a node step sees: its progress maps into the step's share of the run. */
export function createNodeContext(run: RunState, scope: ProgressScope): RunContext {
  return {
    signal: run.signal,
    progress(update) {
      const fraction = update.percent === undefined ? scope.fraction : update.percent / 100;
      scope.report(fraction, update.step, update.message);
    },
    log(level, message, data) {
      run.log(level, message, data);
    },
  };
}

/** What a node sees before any run (e.g. when a test calls `exec` directly). */
export const detachedContext: RunContext = {
  signal: new AbortController().signal,
  progress: () => {},
  log: () => {},
};
