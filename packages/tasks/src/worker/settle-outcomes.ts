import type { TaskContext } from '../context.ts';
import type { Transaction } from '../db.ts';
import { finishAttempts } from '../store/finish.ts';
import { submitPrepared } from '../submit/submit.ts';
import type { PlannedOutcome } from './planned-outcome.ts';

/**
 * The worker's outcome transaction: attempts settled (store/finish.ts), and the child tasks of parents that
 * suspended waiting for them submitted through the one submit path in the same transaction, so a parent
 * never waits for children that were not stored. Children take no owner queue lock (they were admitted
 * with their parent, at most MAX_BATCH_SIZE per wait: worker/plan-wait.ts), so task rows are the first
 * locks here. Returns the ids of the tasks whose attempt still owned them (finishAttempts): the others'
 * outcomes were dropped.
 */
export async function settleOutcomes(
  ctx: TaskContext,
  tx: Transaction,
  outcomes: readonly PlannedOutcome[],
): Promise<ReadonlySet<string>> {
  const parents = outcomes.flatMap((outcome) =>
    outcome.kind === 'suspended' && outcome.wait.kind === 'children' && outcome.children?.length
      ? [{ outcome, children: outcome.children, ids: outcome.wait.child_task_ids }]
      : [],
  );
  const owned = await finishAttempts(ctx, tx, outcomes);
  for (const { outcome, children, ids } of parents) {
    if (!owned.has(outcome.attempt.taskId)) continue;
    await submitPrepared(ctx, tx, { owner: outcome.attempt.owner, admin: false }, children, {
      children: { parentTaskId: outcome.attempt.taskId, ids },
    });
  }
  return owned;
}
