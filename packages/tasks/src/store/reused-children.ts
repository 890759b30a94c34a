import { sql } from 'drizzle-orm';
import { type Executor, recordsJson, rowsOf, type Transaction, uuidArray } from '../db.ts';
import { FINISHED_STATUSES, outcomesOf } from './children.ts';
import type { SettleContext } from './dependencies.ts';
import { resumeTasks } from './waits.ts';

/**
 * A parent retried by hand (or redriven) whose waiting node runs again reuses the children of its last
 * wait there that completed, as Trigger.dev and Hatchet users expect: only the others run again
 * (worker/reused-children.ts decides when; this is what the store reads and writes for it).
 */

/** What the waiting node asks for at one place of its list, and the child its last wait had there. */
export interface ChildAsked {
  index: number;
  previous_id: string;
  workflow: string;
  /** The version the child would be submitted to (null: tasks from before versions were recorded). */
  version: string | null;
  params: Record<string, unknown>;
}

/**
 * Of the earlier children `asked`, those that completed with the same workflow, version and params (defaults
 * applied, compared as JSON values) and whose result is still kept: their ids by place in the list.
 */
export async function completedChildrenLike(
  executor: Executor,
  parentId: string,
  asked: readonly ChildAsked[],
): Promise<Map<number, string>> {
  if (asked.length === 0) return new Map();
  const rows = rowsOf<{ index: number; id: string }>(
    await executor.execute(sql`
      select x.index, c.id::text as id
      from jsonb_to_recordset(${recordsJson(asked)}::jsonb) as x(index int, previous_id uuid, workflow text, version text, params jsonb)
      join tasks c on c.id = x.previous_id
      where c.id = any(${uuidArray(asked.map((child) => child.previous_id))})
        and c.parent_task_id = ${parentId} and c.status = 'completed'
        and c.workflow = x.workflow and c.workflow_version is not distinct from x.version and c.params = x.params
        and c.cleared_expires_at is distinct from c.expires_at`),
  );
  return new Map(rows.map((row) => [row.index, row.id]));
}

/**
 * Resumes the parents, just suspended in this transaction (their rows locked), whose every child was
 * reused: no child is left to finish and report to them.
 */
export async function resumeReusedWaits(
  ctx: SettleContext,
  tx: Transaction,
  parentIds: readonly string[],
): Promise<void> {
  if (parentIds.length === 0) return;
  const done = rowsOf<{ id: string }>(
    await tx.execute(sql`
      select p.id::text as id from tasks p
      where p.id = any(${uuidArray(parentIds)}) and p.status = 'waiting' and p.wait->>'kind' = 'children'
        and not exists (
          select 1 from tasks c
          where c.id = any(array(select jsonb_array_elements_text(p.wait->'child_task_ids'))::uuid[])
            and c.status not in ${FINISHED_STATUSES})`),
  );
  await resumeTasks(ctx, tx, await outcomesOf(tx, done));
}
