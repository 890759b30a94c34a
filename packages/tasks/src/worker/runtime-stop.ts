import type { Logger } from 'pino';
import type { TaskContext } from '../context.ts';
import type { ConcurrencyGate } from './concurrency-gate.ts';
import type { Dispatcher } from './dispatcher.ts';
import type { InlineExecutor, ThreadExecutor } from './executors.ts';
import type { TaskRuns } from './task-runs.ts';
import type { TransactionBatcher } from './transaction-batcher.ts';
import type { WorkerBeat } from './worker-beat.ts';

/** After the shutdown grace and the abort grace, writes stop waiting for a database that is away. */
const GIVE_UP_AFTER_ABORT_MS = 5_000;
/** A stop now waits this long for a database that is away before it leaves its tasks to the monitor. */
const GIVE_UP_STOPPING_NOW_MS = 3_000;

export interface RuntimeParts {
  ctx: TaskContext;
  logger: Logger;
  dispatcher: Dispatcher;
  runs: TaskRuns;
  writer: TransactionBatcher;
  beat: WorkerBeat;
  threads: ThreadExecutor;
  inline: InlineExecutor;
  gate: ConcurrencyGate;
  /** Stops hearing the bus (wake-ups, cancels). */
  stopListening(): void;
  /** Aborted when the stop gives up on a database that is away: writes then stop waiting. */
  giveUp: AbortController;
  shutdownGraceSeconds: number;
  abortGraceMs: number;
}

/**
 * The stop sequence of a worker runtime: stop fetching, let running tasks finish within the grace (then
 * abort and requeue them), then stop hearing the bus, drain the writer, stop beating and close the threads
 * and the gate. `stopNow` terminates the running tasks first and cuts a stop in progress short.
 */
export function runtimeStop(parts: RuntimeParts): { stop(): Promise<void>; stopNow(): Promise<void> } {
  const { ctx, logger, dispatcher, runs, writer, beat, threads, inline, gate, giveUp, abortGraceMs } = parts;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      // Also waits for a fetch in flight: every fetched job is then running or settled.
      await dispatcher.stop();
      const graceMs = parts.shutdownGraceSeconds * 1000;
      let graceTimer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<'grace'>((resolve) => {
        graceTimer = setTimeout(() => resolve('grace'), graceMs);
      });
      if ((await Promise.race([runs.allDone(), graceOver])) === 'grace') {
        logger.warn({ running: runs.size }, 'shutdown grace over: aborting running tasks to requeue them');
        runs.abortAll();
        // A database that is away must not hold the stop forever: the monitor takes back what is left.
        setTimeout(() => giveUp.abort(), abortGraceMs + GIVE_UP_AFTER_ABORT_MS).unref();
      }
      await runs.allDone();
      // Only now: running tasks still honour cancels during the grace period.
      parts.stopListening();
      clearTimeout(graceTimer);
      await writer.idle();
      ctx.localWorkers.delete(beat.workerId);
      await beat.stop();
      await threads.close();
      inline.close();
      await gate.close();
      logger.info('worker stopped');
    })();
    return stopping;
  };
  // Their outcomes are `released` (worker/attempt-outcome.ts), settled by the one writer like any other;
  // a stop in progress then finds its tasks done at once.
  const stopNow = (): Promise<void> => {
    if (!runs.stoppingNow) {
      logger.info({ running: runs.size }, 'stopping now: terminating the running tasks to requeue them');
      runs.stopNow();
      setTimeout(() => giveUp.abort(), GIVE_UP_STOPPING_NOW_MS).unref();
    }
    return stop();
  };
  return { stop, stopNow };
}
