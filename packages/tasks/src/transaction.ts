import type { Database } from '@kaygraph/db';
import { isTransactionConflict } from './database-errors.ts';
import type { Transaction } from './db.ts';

/**
 * Runs a transaction again when PostgreSQL aborted it as a deadlock victim (or a serialization failure).
 *
 * The lock order of the package: an owner's queue lock (submit, retry, redrive), then task rows (several
 * in id order; a submit's dependencies, then one open task of each group it joins, as a finishing task is
 * locked before the dependents it releases), then pg-boss job rows. The one exception is the worker's fetch + claim, which locks the
 * fetched job rows before their tasks (after a rate-limited workflow's log row, which only claims lock); so no transaction that holds a task row waits for a job row another
 * worker may hold: cancels settle a waiting task's job after their commit and leave a running task's job to
 * its worker. This retry is the safety net, not the mechanism: the victim's work is all rolled back, so
 * running it again is safe, and `work` must not have effects outside the transaction.
 */
export async function runTransaction<T>(
  db: Database,
  work: (tx: Transaction) => Promise<T>,
  attempts = 4,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(work);
    } catch (error) {
      if (attempt >= attempts || !isTransactionConflict(error)) throw error;
      // A little jitter so two victims of the same cycle do not meet again.
      await new Promise((resolve) => setTimeout(resolve, 5 * attempt + Math.random() * 10));
    }
  }
}
