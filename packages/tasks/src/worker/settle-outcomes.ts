import type { TaskContext } from '../context.ts';
import type { Transaction } from '../db.ts';
import { prepareAll, submitPrepared } from '../service/submit.ts';
import { type AttemptOutcome, finishAttempts } from '../store/finish.ts';

/**
 * The worker's outcome transaction: attempts settled (store/finish.ts), and the child tasks of parents that
 * suspended waiting for them submitted through the one submit path in the same transaction, so a parent
 * never waits for children that were not stored. Children take no owner queue lock (they were admitted
 * with their parent, at most MAX_BATCH_SIZE per wait: worker/plan-wait.ts), so task rows are the first
 * locks here.
 */
export async function settleOutcomes(
  ctx: TaskContext,
  tx: Transaction,
  outcomes: readonly AttemptOutcome[],
): Promise<void> {
  const parents = outcomes.flatMap((outcome) =>
    outcome.kind === 'suspended' && outcome.wait.kind === 'children' && outcome.children.length > 0
      ? [{ outcome, ids: outcome.wait.child_task_ids }]
      : [],
  );
  const owned = await finishAttempts(ctx, tx, outcomes);
  for (const { outcome, ids } of parents) {
    if (!owned.has(outcome.attempt.taskId)) continue;
    await submitPrepared(
      ctx,
      tx,
      { owner: outcome.attempt.owner, admin: false },
      await prepareAll(ctx, outcome.children, tx),
      { children: { parentTaskId: outcome.attempt.taskId, ids } },
    );
  }
}
