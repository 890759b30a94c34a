import { sql } from 'drizzle-orm';
import type { Executor, Transaction } from '../db.ts';
import { workflowQueue } from './boss.ts';
import { TASK_QUEUED_CHANNEL } from './events.ts';
import type { QueueRef } from './jobs.ts';

/**
 * Per-key running limits (`concurrency_per_key`) are pg-boss' `groupConcurrency`, which counts a group's
 * active jobs when a fetch starts. Two fetches on different workers that start together both count the
 * same jobs, and a claim's jobs only count for others once its transaction commits: each could take the
 * last slot of a key. Claims of a queue with a per-key limit therefore take this transaction lock first,
 * so each one's fetch starts after the previous claim committed (READ COMMITTED: a statement sees what
 * committed before it began). Claims of every other queue never take it.
 */
export async function lockKeyedClaims(tx: Transaction, queue: QueueRef): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`kaygraph.keys:${workflowQueue(queue)}`}))`);
}

/**
 * Wakes the dispatchers of `workflow` on every worker (`task_queued`): a task with a concurrency key ended
 * (its job was settled), and the key's next task, skipped while the slot was taken, may run now.
 */
export async function wakeKeyedWorkers(db: Executor, workflow: string): Promise<void> {
  await db.execute(sql`select pg_notify(${TASK_QUEUED_CHANNEL}, ${workflow})`);
}
