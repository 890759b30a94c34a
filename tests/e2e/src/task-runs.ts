/** What the database says about how each task ran: a test's view of "completed once, in one attempt". */
import type postgres from 'postgres';

export interface TaskRun {
  id: string;
  status: string;
  attempt: number;
  error: unknown;
  result: unknown;
  /** The `status` events in order, e.g. queued, running, completed. */
  statuses: string[];
}

export async function readTaskRuns(sql: postgres.Sql, ids: readonly string[]): Promise<TaskRun[]> {
  const rows = await sql<TaskRun[]>`
    select t.id, t.status, t.attempt, t.error, t.result,
      coalesce((select array_agg(e.payload->>'status' order by e.seq) from task_events e
        where e.task_id = t.id and e.type = 'status'), '{}') as statuses
    from tasks t where t.id = any(string_to_array(${ids.join(',')}, ',')::uuid[])
    order by t.id`;
  return rows.map((row) => ({ ...row }));
}

/** One line per task that a failure message can show. */
export function describeRuns(runs: readonly TaskRun[]): string {
  return runs
    .map(
      (run) =>
        `${run.id} ${run.status} attempt=${run.attempt} statuses=${run.statuses.join('>')}` +
        (run.error ? ` error=${JSON.stringify(run.error)}` : ''),
    )
    .join('\n');
}
