import type { TaskContext } from '../context.ts';
import type { Transaction } from '../db.ts';
import { appendEvents, type NewTaskEvent } from '../store/events.ts';
import { finishAttempts } from '../store/finish.ts';
import { resumeReusedWaits } from '../store/reused-children.ts';
import { submitPrepared } from '../submit/submit.ts';
import type { PlannedChildren, PlannedOutcome } from './planned-outcome.ts';

/**
 * The worker's outcome transaction: attempts settled (store/finish.ts), and the child tasks of parents that
 * suspended waiting for them submitted through the one submit path in the same transaction, so a parent
 * never waits for children that were not stored. Children take no owner queue lock (they were admitted
 * with their parent, at most MAX_BATCH_SIZE per wait: worker/plan-wait.ts), so task rows are the first
 * locks here. A parent retried by hand that reuses earlier children that completed (worker/reused-children.ts)
 * says so in a `log` event, and resumes at once when it reused every one. Returns the ids of the tasks whose
 * attempt still owned them (finishAttempts): the others' outcomes were dropped.
 */
export async function settleOutcomes(
  ctx: TaskContext,
  tx: Transaction,
  outcomes: readonly PlannedOutcome[],
): Promise<ReadonlySet<string>> {
  const parents = outcomes.flatMap((outcome) =>
    outcome.kind === 'suspended' && outcome.wait.kind === 'children' && outcome.children
      ? [{ outcome, children: outcome.children }]
      : [],
  );
  const owned = await finishAttempts(ctx, tx, outcomes);
  const reusedEvents: NewTaskEvent[] = [];
  const reusedAll: string[] = [];
  for (const { outcome, children } of parents) {
    const parentTaskId = outcome.attempt.taskId;
    if (!owned.has(parentTaskId)) continue;
    if (children.tasks.length > 0) {
      await submitPrepared(ctx, tx, { owner: outcome.attempt.owner, admin: false }, children.tasks, {
        children: { parentTaskId, ids: children.ids, indexes: children.indexes },
      });
    } else {
      reusedAll.push(parentTaskId);
    }
    if (children.reused > 0) reusedEvents.push(reusedEvent(parentTaskId, children));
  }
  await appendEvents(tx, reusedEvents);
  await resumeReusedWaits(ctx, tx, reusedAll);
  return owned;
}

function reusedEvent(taskId: string, children: PlannedChildren): NewTaskEvent {
  const total = children.reused + children.tasks.length;
  return {
    taskId,
    type: 'log',
    payload: {
      level: 'info',
      message: `${children.reused} of ${total} child tasks completed before this retry: their results are reused, ${children.tasks.length} run again`,
    },
  };
}
