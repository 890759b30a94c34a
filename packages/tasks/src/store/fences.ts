import { type SQL, sql } from 'drizzle-orm';
import { uuidArray } from '../db.ts';

/**
 * The lock order, as a CTE named `locked`: the task rows of `ids`, locked in id order. Every statement that
 * updates several tasks takes their rows this way first, so two such statements never wait on each other
 * in a cycle. A child's parent is locked with it, in id order: a transaction that finishes or cancels a
 * child task (which reports to its parent) locks the parent in the same id-ordered set, never after.
 */
export function lockedTasks(ids: readonly string[]): SQL {
  return sql`locked as (
        select id from tasks where id = any(${uuidArray(ids)}) order by id for no key update
      )`;
}

/**
 * The attempt fence, joining an input `x` (id, attempt, was) to the task rows `t` locked by `lockedTasks`:
 * only the attempt that still owns its task, in the status it expects, writes. Once a retry, a cancel or a
 * lost-worker check took the task, a late write of the old attempt matches nothing.
 */
export const ATTEMPT_FENCE: SQL = sql`t.id = x.id and t.attempt = x.attempt and t.status = x.was
        and t.id in (select id from locked)`;
