import type { TaskError, TaskWait } from '@kaygraph/contracts';
import type { ChildOutcome } from '@kaygraph/graph';
import { sql } from 'drizzle-orm';
import { rowsOf, type Transaction, uuidArray } from '../db.ts';
import type { SettleContext, SettledTask } from './dependencies.ts';
import { appendEvents, type NewTaskEvent } from './events.ts';
import { resumeTasks } from './waits.ts';

/**
 * Child tasks (`runChildren`): every transaction that finishes tasks (store/dependencies.ts
 * `settleDependents`) reports the children among them to their waiting parents (the children of the
 * parent's current wait: a graph may run children at several nodes). Parents are locked in id
 * order, then their children are read by a new statement, so of two children finishing at once the second
 * sees the first and exactly one transaction resumes the parent, with every outcome in the node's order.
 * A retry of a child is not an outcome: only completed, failed (for good) and cancelled children count.
 */

type StoredChildrenWait = Extract<TaskWait, { kind: 'children' }> & { progress_from?: number };

interface ParentRow {
  id: string;
  attempt: number;
  wait: StoredChildrenWait;
}

interface ChildRow {
  id: string;
  parent_task_id: string;
  child_index: number;
  status: string;
  result: unknown;
  error: TaskError | null;
}

const FINISHED = new Set(['completed', 'failed', 'cancelled']);

export async function settleParents(
  ctx: SettleContext,
  tx: Transaction,
  settled: readonly SettledTask[],
): Promise<void> {
  const children = settled.filter((task) => task.child !== false);
  if (children.length === 0) return;
  const parents = rowsOf<ParentRow>(
    await tx.execute(sql`
      select p.id, p.attempt, p.wait from tasks p
      where p.id in (
        select c.parent_task_id from tasks c
        where c.id = any(${uuidArray(children.map((task) => task.taskId))}) and c.parent_task_id is not null)
        and p.status = 'waiting' and p.wait->>'kind' = 'children'
      order by p.id for no key update`),
  );
  if (parents.length === 0) return;
  const siblings = rowsOf<ChildRow>(
    await tx.execute(sql`
      select id::text as id, parent_task_id::text as parent_task_id, child_index, status, result, error
      from tasks where id = any(${uuidArray(parents.flatMap((parent) => parent.wait.child_task_ids))})
      order by parent_task_id, child_index`),
  );
  const justFinished = new Set(settled.map((task) => task.taskId));
  const events: NewTaskEvent[] = [];
  const progress: { id: string; finished: number; progress: number; message: string }[] = [];
  const resumes: { taskId: string; resume: { kind: 'children'; outcomes: ChildOutcome[] }; events: [] }[] =
    [];
  for (const parent of parents) {
    const own = siblings.filter((child) => child.parent_task_id === parent.id);
    const total = parent.wait.child_task_ids.length;
    const finished = own.filter((child) => FINISHED.has(child.status)).length;
    let counted = parent.wait.finished;
    for (const child of own) {
      if (!justFinished.has(child.id) || !FINISHED.has(child.status)) continue;
      counted = Math.min(total, counted + 1);
      events.push(childFinishedEvent(parent.id, child, counted, total));
    }
    // From where the parent stood up to 99: 100 is the completed task's, after its remaining nodes.
    const from = parent.wait.progress_from ?? 0;
    const top = Math.max(from, 99);
    const share = Math.round((from + ((top - from) * finished) / total) * 10) / 10;
    const message = `${finished} of ${total} child tasks finished`;
    progress.push({ id: parent.id, finished, progress: share, message });
    events.push({
      taskId: parent.id,
      type: 'progress',
      payload: { progress: share, step: parent.wait.node_id, message, eta_seconds: null },
    });
    if (finished === total) {
      resumes.push({
        taskId: parent.id,
        resume: { kind: 'children', outcomes: own.map(outcomeOf) },
        events: [],
      });
    }
  }
  await tx.execute(sql`
    update tasks t set wait = jsonb_set(t.wait, '{finished}', to_jsonb(x.finished)), progress = x.progress,
      step = t.wait->>'node_id', message = x.message, updated_at = clock_timestamp()
    from jsonb_to_recordset(${JSON.stringify(progress)}::jsonb) as x(id uuid, finished int, progress real, message text)
    where t.id = x.id and t.id = any(${uuidArray(progress.map((p) => p.id))})`);
  await appendEvents(tx, events);
  await resumeTasks(ctx, tx, resumes);
}

function childFinishedEvent(
  parentId: string,
  child: ChildRow,
  finished: number,
  total: number,
): NewTaskEvent {
  const error = child.error ? { code: child.error.code, message: child.error.message } : null;
  return {
    taskId: parentId,
    type: 'child_finished',
    payload: {
      child_task_id: child.id,
      index: child.child_index,
      status: child.status,
      error,
      finished,
      total,
    },
  };
}

function outcomeOf(child: ChildRow): ChildOutcome {
  if (child.status === 'completed') return { task_id: child.id, status: 'completed', result: child.result };
  return {
    task_id: child.id,
    status: child.status === 'cancelled' ? 'cancelled' : 'failed',
    error: child.error ? { code: child.error.code, message: child.error.message } : null,
  };
}
