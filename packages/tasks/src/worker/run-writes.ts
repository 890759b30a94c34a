import type { Logger } from 'pino';
import type { TaskContext } from '../context.ts';
import { isStorageRefusal } from '../database-errors.ts';
import { retryWhileDatabaseAway } from '../retry-while-database-away.ts';
import { taskRowsToLock } from '../store/finish.ts';
import { type CheckpointWrite, saveCheckpoints } from '../store/progress.ts';
import type { PlannedOutcome } from './planned-outcome.ts';
import { ProgressReporter } from './progress-reporter.ts';
import { SerialWrites } from './serial-writes.ts';
import { settleOutcomes } from './settle-outcomes.ts';
import { CoalescedWrites, TransactionBatcher } from './transaction-batcher.ts';

/** What a worker's runs write: progress and logs, checkpoints, outcomes. */
export interface RunWrites {
  /** The one writer of outcomes (and what waits for it to be idle at the stop). */
  writer: TransactionBatcher;
  progress: ProgressReporter;
  outcomes: CoalescedWrites<PlannedOutcome, ReadonlySet<string>>;
  checkpoints: SerialWrites<CheckpointWrite>;
}

/**
 * The writes of a worker's runs; each waits out a database that is away until `giveUp` aborts (a stop
 * whose running tasks could not settle in time). Claims run beside the writer: they only touch tasks that
 * are not running yet.
 */
export function createRunWrites(ctx: TaskContext, logger: Logger, giveUp: AbortSignal): RunWrites {
  const writer = new TransactionBatcher(ctx.db, { signal: giveUp });
  return {
    writer,
    progress: new ProgressReporter(ctx.db, logger, giveUp),
    outcomes: new CoalescedWrites<PlannedOutcome, ReadonlySet<string>>(
      writer,
      (tx, items) => settleOutcomes(ctx, tx, items),
      taskRowsToLock,
    ),
    // Checkpoints are single statements of their own (a task awaits each before its next node and its
    // outcome), merged while one is in flight.
    checkpoints: new SerialWrites<CheckpointWrite>(
      (writes) => retryWhileDatabaseAway(() => saveCheckpoints(ctx.db, writes), giveUp),
      // One run's checkpoint the database refuses fails that run only, not the runs merged with it.
      { retryAlone: isStorageRefusal },
    ),
  };
}
