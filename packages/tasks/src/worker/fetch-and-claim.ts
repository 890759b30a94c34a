import { type Executor, rowsOf } from '../db.ts';
import { TASK_EVENTS_CHANNEL } from '../events/append-events.ts';
import { bossTx } from '../queue/boss-tx.ts';
import type { FetchStatement } from '../queue/fetch-statement.ts';
import type { StoredCheckpoint } from './run-workflow.ts';
import type { ClaimedTask, FetchedJob } from './task-store.ts';

export interface FetchedAndClaimed {
  /**
   * Every job fetched (now active), in task id order: a batch starts at once, so priority matters only to
   * which jobs the fetch takes.
   */
  jobs: FetchedJob[];
  /** The fetched jobs whose task is now running under this claim. */
  claims: ClaimedTask[];
}

interface Row {
  job_id: string;
  task_id: string | null;
  retry_count: number | null;
  retry_limit: number | null;
  claimed: boolean;
  owner: string | null;
  workflow: string | null;
  params: Record<string, unknown> | null;
  checkpoint: StoredCheckpoint | null;
  timeout_seconds: number | null;
  attempt: number | null;
  step: string | null;
  message: string | null;
  progress: number | null;
  dependency_results: Record<string, unknown> | null;
}

/**
 * Fetches up to `want` jobs of a queue and claims their tasks in ONE statement, so a pickup costs one round
 * trip and one commit with no BEGIN/COMMIT of its own: pg-boss' fetch (its UPDATE of the job rows, locked
 * with SKIP LOCKED) runs as a CTE, and the same statement marks the tasks running (fenced by the task's
 * current job and a status that may run), writes their `running` events (seq from last_seq) and NOTIFYs
 * them. Both commit together or not at all, as the fetch + claim transaction did. The job rows are locked
 * before the task rows, the package's one exception to its lock order (see transaction.ts). A job whose
 * task must not run (cancelled while queued, replaced by a manual retry) is fetched but not claimed: the
 * caller settles it.
 */
export async function fetchAndClaim(
  executor: Executor,
  queue: string,
  fetch: FetchStatement,
  want: number,
): Promise<FetchedAndClaimed> {
  // The planner sees a few fetched rows (pg-boss' fetch estimate), so it joins by nested loop, which must be
  // driven by the jobs: `jobs` reads each job's task id out of its JSON once, and each task is read by
  // primary key (Index Cond: id = f.task_id). The tasks must not be reachable another way: with
  // `t.id = any(...)` as well, the planner estimated them at 1 row from the status statistics, read them
  // first, and compared each with every job (16,256 comparisons for a batch of 128). For the same reason the
  // answer is every job (`claimed` false) followed by the claims, paired here by job id, not joined in SQL.
  // `jobs` is in task id order, so the loop locks the task rows in id order, the package's lock order (see
  // transaction.ts), as a group cancel does. The plan relies on the fetch being estimated at a few rows, as
  // its rewrite in queue/fetch-statement.ts has it.
  const text = `
    with fetched as (${fetch.text}),
    jobs as materialized (
      select id as job_id, (data->>'task_id')::uuid as task_id, "retryCount" as retry_count,
        "retryLimit" as retry_limit
      from fetched
      order by task_id
    ),
    claimed as (
      update tasks t set status = 'running', attempt = t.attempt + 1, started_at = coalesce(t.started_at, now()),
        updated_at = now(), last_seq = t.last_seq + 1
      from jobs f
      where t.id = f.task_id and t.job_id = f.job_id
        and t.status in ('queued', 'scheduled', 'running')
      returning f.job_id, t.id, t.owner, t.workflow, t.params, t.checkpoint, t.timeout_seconds, t.attempt,
        t.step, t.message, t.progress, t.last_seq, t.depends_on,
        jsonb_build_object('status', 'running', 'attempt', t.attempt, 'error', null) as payload
    ), inserted as (
      insert into task_events (task_id, seq, type, payload, at)
      select id, last_seq, 'status', payload, now() from claimed
      returning 1
    ), notified as (
      select pg_notify('${TASK_EVENTS_CHANNEL}', json_build_object(
        'task_id', id, 'seq', last_seq, 'owner', owner, 'workflow', workflow, 'type', 'status', 'at', now(),
        'payload', payload)::text)
      from claimed
    )
    select j.job_id, j.task_id::text as task_id, j.retry_count, j.retry_limit, false as claimed,
      null::text as owner, null::text as workflow, null::jsonb as params, null::jsonb as checkpoint,
      null::int as timeout_seconds, null::int as attempt, null::text as step, null::text as message,
      null::real as progress, null::jsonb as dependency_results, null::bigint as written
    from jobs j
    union all
    select c.job_id, c.id::text, null, null, true, c.owner, c.workflow, c.params, c.checkpoint,
      c.timeout_seconds, c.attempt, c.step, c.message, c.progress,
      case when cardinality(c.depends_on) > 0 then (
        select jsonb_object_agg(d.id, d.result) from tasks d where d.id = any(c.depends_on)
      ) end,
      (select count(*) from inserted) + (select count(*) from notified)
    from claimed c`;
  const result = await bossTx(executor).executeSql(text, [...fetch.values, want]);
  const rows = rowsOf<Row>(result.rows);
  const jobs: FetchedJob[] = [];
  const byJobId = new Map<string, FetchedJob>();
  for (const row of rows) {
    if (row.claimed) continue;
    const job: FetchedJob = {
      queue,
      jobId: row.job_id,
      taskId: row.task_id ?? '',
      retryCount: Number(row.retry_count),
      retryLimit: Number(row.retry_limit),
    };
    jobs.push(job);
    byJobId.set(job.jobId, job);
  }
  const claims: ClaimedTask[] = [];
  const claimedAt = performance.now();
  for (const row of rows) {
    const job = row.claimed ? byJobId.get(row.job_id) : undefined;
    if (!job) continue;
    claims.push({
      job,
      taskId: job.taskId,
      owner: row.owner ?? '',
      workflow: row.workflow ?? '',
      params: row.params ?? {},
      checkpoint: row.checkpoint,
      timeoutSeconds: Number(row.timeout_seconds),
      attempt: Number(row.attempt),
      step: row.step,
      message: row.message,
      dependencyResults: row.dependency_results ?? {},
      claimedAt,
      shownProgress: Number(row.progress ?? 0) > 0 ? Number(row.progress) : null,
    });
  }
  return { jobs, claims };
}
