import type { TaskStatus } from '@kaygraph/contracts';
import { DomainError } from '@kaygraph/contracts';
import { sql } from 'drizzle-orm';
import { rowsOf, type Transaction } from '../db.ts';
import { appendEvents } from '../events/append-events.ts';
import { statusEvent } from '../events/task-event.ts';

/** What running a task of a chain again (retry, dead-letter redrive) means for its dependencies. */

function uuidArray(ids: readonly string[]) {
  return sql`${`{${ids.join(',')}}`}::uuid[]`;
}

/**
 * The status a task takes when it runs again (retry): `queued` when its dependencies have all completed,
 * `blocked` while some are unfinished. A dependency that failed or was cancelled refuses the retry: retry
 * that one first, and this one follows it.
 */
export async function retryStatusOf(
  tx: Transaction,
  taskId: string,
  dependsOn: readonly string[],
): Promise<'queued' | 'blocked'> {
  if (dependsOn.length === 0) return 'queued';
  const rows = rowsOf<{ id: string; status: TaskStatus }>(
    await tx.execute(sql`
      select id, status from tasks where id = any(${uuidArray(dependsOn)}) order by id for share`),
  );
  const gone = dependsOn.find((id) => !rows.some((row) => row.id === id));
  if (gone) {
    throw new DomainError(
      'CONFLICT',
      `task ${taskId} depends on task ${gone}, which no longer exists (its result expired)`,
    );
  }
  const broken = rows.find((row) => row.status === 'failed' || row.status === 'cancelled');
  if (broken) {
    throw new DomainError(
      'CONFLICT',
      `task ${taskId} depends on task ${broken.id}, which is ${broken.status}: retry that task first`,
    );
  }
  return rows.every((row) => row.status === 'completed') ? 'queued' : 'blocked';
}

/**
 * After `taskIds` were queued again (retry, dead-letter redrive), the tasks that failed with
 * DEPENDENCY_FAILED because of them wait again (`blocked`), level by level, as long as none of their
 * other dependencies is still failed or cancelled; they run when the retried task completes.
 */
export async function reblockDependents(tx: Transaction, taskIds: readonly string[]): Promise<void> {
  let level = [...taskIds];
  for (let depth = 0; level.length > 0 && depth < 1000; depth++) {
    const reblocked = rowsOf<{ id: string; attempt: number }>(
      await tx.execute(sql`
        update tasks t set status = 'blocked', error = null, completed_at = null, expires_at = null,
          updated_at = now()
        where t.id in (select d.task_id from task_dependencies d where d.depends_on_id = any(${uuidArray(level)}))
          and t.status = 'failed' and t.error->>'code' = 'DEPENDENCY_FAILED'
          and not exists (
            select 1 from task_dependencies d join tasks dep on dep.id = d.depends_on_id
            where d.task_id = t.id and dep.status in ('failed', 'cancelled'))
        returning t.id, t.attempt`),
    );
    await appendEvents(
      tx,
      reblocked.map((row) => statusEvent(row.id, 'blocked', row.attempt)),
    );
    level = reblocked.map((row) => row.id);
  }
}
