import { randomUUID } from 'node:crypto';
import type { WaitFrame } from '@kaygraph/graph';
import type { StoredCheckpoint } from '../attempt-data.ts';
import type { TaskContext } from '../context.ts';
import type { Attempt } from '../store/claim.ts';
import { completedChildrenLike } from '../store/reused-children.ts';
import type { PreparedTask } from '../submit/validate-submit.ts';
import type { PlannedChildren } from './planned-outcome.ts';

/**
 * The children of a wait, with their ids. A parent retried by hand (or redriven) after it failed or was
 * cancelled at its children wait resumes from that wait's checkpoint without a resume value, so its waiting
 * node runs again and asks for its children anew: at each place of the list where the last wait there had
 * a child that completed with the same workflow, version and params, that child is reused (its result is the
 * outcome) and only the others are submitted. `ids` lists every child of the wait, in the node's order.
 */
export async function planChildren(
  ctx: TaskContext,
  attempt: Attempt,
  suspendedAt: StoredCheckpoint,
  tasks: readonly PreparedTask[],
): Promise<{ ids: string[]; children: PlannedChildren }> {
  const previous = earlierChildren(attempt, suspendedAt);
  const asked = tasks.flatMap((task, index) => {
    const previousId = previous[index];
    return previousId
      ? [
          {
            index,
            previous_id: previousId,
            workflow: task.workflow.name,
            version: task.workflow.version,
            params: task.params,
          },
        ]
      : [];
  });
  const reused = await completedChildrenLike(ctx.db, attempt.taskId, asked);
  const ids = tasks.map((_, index) => reused.get(index) ?? randomUUID());
  const submitted = tasks.flatMap((task, index) =>
    reused.has(index) ? [] : [{ task, id: ids[index] ?? '', index }],
  );
  return {
    ids,
    children: {
      tasks: submitted.map((child) => child.task),
      ids: submitted.map((child) => child.id),
      indexes: submitted.map((child) => child.index),
      reused: reused.size,
    },
  };
}

/**
 * The children of the last wait at the node where the run suspended again, when the run began there
 * without a resume value (a retry by hand); none otherwise.
 */
function earlierChildren(attempt: Attempt, suspendedAt: StoredCheckpoint): readonly string[] {
  const before = attempt.checkpoint;
  if (attempt.resume !== null || !before?.waitChildTaskIds) return [];
  const samePlace = pathOf(before.waiting?.frames) === pathOf(suspendedAt.waiting?.frames);
  return samePlace ? before.waitChildTaskIds : [];
}

/** Where a run waits: the node ids from the outermost graph in. */
function pathOf(frames: readonly WaitFrame[] | undefined): string {
  return JSON.stringify((frames ?? []).map((frame) => frame.nodeId));
}
