import { type TaskError, type TaskStatus, TERMINAL_STATUSES } from '@kaygraph/contracts';
import type { ChildOutcome } from '@kaygraph/graph';
import { type SQL, sql } from 'drizzle-orm';
import { type Executor, recordsJson, rowsOf, type Transaction, uuidArray } from '../db.ts';
import type { SettleContext, SettledTask } from './dependencies.ts';
import { appendEvents, type NewTaskEvent } from './events.ts';
import { resumeTasks } from './waits.ts';

/**
 * Child tasks (`runChildren`): every transaction that finishes tasks (store/dependencies.ts
 * `settleDependents`) reports the children among them to their waiting parents, if they belong to the
 * parent's current wait (a graph may run children at several nodes). Parents are locked in id order (the
 * transaction already holds them: store/fences.ts), then a new statement counts the wait's finished
 * children by status (primary-key lookups, no results read), so of two children finishing at once the
 * second sees the first and exactly one transaction resumes the parent; only then are the outcomes read,
 * in the node's order. A retry of a child is not an outcome: only completed, failed (for good) and
 * cancelled children count. A child retried by hand while its parent waits counts again once it finishes;
 * it is reported (`child_finished`) once, and the parent's progress never goes back. A child its parent no
 * longer waits for is not retried (`parentWaitsFor`, service/child-retry.ts): nothing would count it.
 */

interface ParentRow {
  id: string;
  progress_from: number | null;
  total: number;
  /** The wait's children that finished. */
  finished: number;
  /** Members of the wait among the tasks just settled, not yet reported to the parent. */
  reported_now: ChildRow[] | null;
}

interface ChildRow {
  id: string;
  child_index: number;
  status: string;
  result?: unknown;
  error: TaskError | null;
}

/** The statuses a child counts as finished in (the contract's terminal ones), as an SQL list. */
export const FINISHED_STATUSES = sql`(${sql.join(
  TERMINAL_STATUSES.map((status) => sql`${status}`),
  sql`, `,
)})`;

export async function settleParents(
  ctx: SettleContext,
  tx: Transaction,
  settled: readonly SettledTask[],
): Promise<void> {
  const settledIds = settled.filter((task) => task.child !== false).map((task) => task.taskId);
  if (settledIds.length === 0) return;
  const locked = rowsOf<{ id: string }>(
    await tx.execute(sql`
      select p.id from tasks p
      where p.id in (
        select c.parent_task_id from tasks c where c.id = any(${uuidArray(settledIds)}) and c.parent_task_id is not null)
        and p.status = 'waiting' and p.wait->>'kind' = 'children'
      order by p.id for no key update`),
  );
  if (locked.length === 0) return;
  const parents = rowsOf<ParentRow>(
    await tx.execute(sql`
      with p as (
        select p.id, p.wait,
          array(select jsonb_array_elements_text(p.wait->'child_task_ids'))::uuid[] as ids
        from tasks p where p.id = any(${uuidArray(locked.map((row) => row.id))})
      )
      select p.id::text as id, (p.wait->>'progress_from')::real as progress_from,
        cardinality(p.ids) as total,
        (select count(*)::int from tasks c where c.id = any(p.ids) and c.status in ${FINISHED_STATUSES}) as finished,
        (select jsonb_agg(jsonb_build_object('id', c.id, 'child_index', c.child_index, 'status', c.status,
            'error', c.error) order by c.child_index)
          from tasks c
          where c.id = any(${uuidArray(settledIds)}) and c.id = any(p.ids) and c.status in ${FINISHED_STATUSES}
            and not exists (select 1 from task_events e where e.task_id = p.id and e.type = 'child_finished'
              and e.payload->>'child_task_id' = c.id::text)) as reported_now
      from p`),
  );
  const events: NewTaskEvent[] = [];
  const progress: { id: string; finished: number; progress: number; message: string }[] = [];
  const done: ParentRow[] = [];
  for (const parent of parents) {
    const reported = parent.reported_now ?? [];
    // Not a member of the parent's current wait (or already reported): nothing changed for this parent.
    if (reported.length === 0 && parent.finished < parent.total) continue;
    const { total, finished } = parent;
    // Children settled together are reported in the node's order, each with the count it made.
    reported.forEach((child, index) => {
      events.push(childFinishedEvent(parent.id, child, finished - reported.length + 1 + index, total));
    });
    // From where the parent stood up to 99: 100 is the completed task's, after its remaining nodes.
    const from = parent.progress_from ?? 0;
    const top = Math.max(from, 99);
    const share = Math.round((from + ((top - from) * finished) / total) * 10) / 10;
    const message = `${finished} of ${total} child tasks finished`;
    progress.push({ id: parent.id, finished, progress: share, message });
    if (finished === total) done.push(parent);
  }
  if (progress.length === 0) return;
  const written = rowsOf<{ id: string; progress: number; message: string; step: string | null }>(
    await tx.execute(sql`
      update tasks t set wait = jsonb_set(t.wait, '{finished}', to_jsonb(x.finished)),
        progress = greatest(t.progress, x.progress), message = x.message,
        updated_at = clock_timestamp()
      from jsonb_to_recordset(${recordsJson(progress)}::jsonb) as x(id uuid, finished int, progress real, message text)
      where t.id = x.id and t.id = any(${uuidArray(progress.map((p) => p.id))})
      returning t.id::text as id, t.progress, t.message, t.step`),
  );
  for (const row of written) {
    events.push({
      taskId: row.id,
      type: 'progress',
      payload: { progress: row.progress, step: row.step, message: row.message, eta_seconds: null },
    });
  }
  await appendEvents(tx, events);
  await resumeTasks(ctx, tx, await outcomesOf(tx, done));
}

/** The outcomes of the children of parents whose last child finished, in the node's order. */
export async function outcomesOf(
  tx: Transaction,
  parents: readonly { id: string }[],
): Promise<{ taskId: string; resume: { kind: 'children'; outcomes: ChildOutcome[] }; events: [] }[]> {
  if (parents.length === 0) return [];
  const children = rowsOf<ChildRow & { parent_task_id: string }>(
    await tx.execute(sql`
      select c.id::text as id, c.parent_task_id::text as parent_task_id, c.child_index, c.status, c.result, c.error
      from tasks p, lateral (
        select * from tasks c
        where c.id = any(array(select jsonb_array_elements_text(p.wait->'child_task_ids'))::uuid[])
      ) c
      where p.id = any(${uuidArray(parents.map((parent) => parent.id))})
      order by c.parent_task_id, c.child_index`),
  );
  return parents.map((parent) => ({
    taskId: parent.id,
    resume: {
      kind: 'children' as const,
      outcomes: children.filter((child) => child.parent_task_id === parent.id).map(outcomeOf),
    },
    events: [],
  }));
}

function childFinishedEvent(
  parentId: string,
  child: ChildRow,
  finished: number,
  total: number,
): NewTaskEvent {
  const error = errorView(child.error);
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
    error: errorView(child.error),
  };
}

/** A child's error as its parent sees it. */
function errorView(error: TaskError | null): { code: string; message: string } | null {
  return error ? { code: error.code, message: error.message } : null;
}

/**
 * The task row `parent` waits for the child task `childId`: it is a member of the parent's current
 * children wait, whose count (`settleParents`) takes it when it finishes.
 */
export function parentWaitsFor(parent: SQL, childId: SQL): SQL {
  return sql`(${parent}.status = 'waiting' and ${parent}.wait->>'kind' = 'children'
    and ${parent}.wait->'child_task_ids' @> jsonb_build_array(${childId}::text))`;
}

/** A child task's parent as a retry of the child sees it. */
export interface ChildParent {
  parent_task_id: string;
  status: TaskStatus;
  /** The parent's current wait counts this child (`parentWaitsFor`). */
  waits_for_it: boolean;
}

/** The parents of those of `taskIds` that are child tasks, by child id (read under the caller's locks). */
export async function childParents(
  executor: Executor,
  taskIds: readonly string[],
): Promise<Map<string, ChildParent>> {
  if (taskIds.length === 0) return new Map();
  const rows = rowsOf<ChildParent & { id: string }>(
    await executor.execute(sql`
      select c.id::text as id, p.id::text as parent_task_id, p.status,
        ${parentWaitsFor(sql`p`, sql`c.id`)} as waits_for_it
      from tasks c join tasks p on p.id = c.parent_task_id
      where c.id = any(${uuidArray(taskIds)})`),
  );
  return new Map(rows.map(({ id, ...parent }) => [id, parent]));
}
