import type { NodeMetric, TaskError } from '@kaygraph/contracts';
import { sql } from 'drizzle-orm';
import { type Executor, rowsOf, type Transaction, uuidArray } from '../db.ts';
import { TASK_EVENTS_CHANNEL } from '../events/append-events.ts';
import type { StoredCheckpoint } from './run-workflow.ts';

/** A job the dispatcher fetched: its task and the pg-boss attempt. */
export interface FetchedJob {
  queue: string;
  jobId: string;
  taskId: string;
  /** pg-boss retry_count of this claim (0 on the first). */
  retryCount: number;
  retryLimit: number;
}

/** A task this worker now runs: the claim fences every later write (`attempt` + status running). */
export interface ClaimedTask {
  job: FetchedJob;
  taskId: string;
  owner: string;
  workflow: string;
  params: Record<string, unknown>;
  checkpoint: StoredCheckpoint | null;
  timeoutSeconds: number;
  attempt: number;
  step: string | null;
  message: string | null;
  /** Results of the task's dependencies by task id (chaining); empty without dependencies. */
  dependencyResults: Record<string, unknown>;
}

/**
 * Marks fetched tasks running and writes their `running` events, in one statement. A task
 * whose status says it must not run (cancelled while queued, or already finished), or whose current job is
 * another one (a manual retry replaced it), is not claimed: the caller settles its job and moves on.
 */
export async function claimTasks(executor: Executor, jobs: readonly FetchedJob[]): Promise<ClaimedTask[]> {
  if (jobs.length === 0) return [];
  {
    const input = JSON.stringify(jobs.map((job) => ({ task_id: job.taskId, job_id: job.jobId })));
    // One statement: the claim, its `running` event (seq from last_seq) and the NOTIFY, so a claim costs
    // a single round trip inside the writer's transaction.
    const result = await executor.execute(sql`
      with claimed as (
        update tasks t set status = 'running', attempt = t.attempt + 1, started_at = coalesce(t.started_at, now()),
          updated_at = now(), last_seq = t.last_seq + 1
        from jsonb_to_recordset(${input}::jsonb) as j(task_id uuid, job_id uuid)
        where t.id = j.task_id and t.job_id = j.job_id and t.status in ('queued', 'scheduled', 'running')
          and t.id = any(${uuidArray(jobs.map((job) => job.taskId))})
        returning t.id, t.owner, t.workflow, t.params, t.checkpoint, t.timeout_seconds, t.attempt, t.step, t.message,
          t.last_seq, t.depends_on, jsonb_build_object('status', 'running', 'attempt', t.attempt, 'error', null) as payload
      ), inserted as (
        insert into task_events (task_id, seq, type, payload, at)
        select id, last_seq, 'status', payload, now() from claimed
        returning 1
      ), notified as (
        select pg_notify(${TASK_EVENTS_CHANNEL}, json_build_object(
          'task_id', id, 'seq', last_seq, 'owner', owner, 'workflow', workflow, 'type', 'status', 'at', now(),
          'payload', payload)::text)
        from claimed
      )
      select c.id, c.owner, c.workflow, c.params, c.checkpoint, c.timeout_seconds, c.attempt, c.step, c.message,
        case when cardinality(c.depends_on) > 0 then (
          select jsonb_object_agg(d.id, d.result) from tasks d where d.id = any(c.depends_on)
        ) end as dependency_results,
        (select count(*) from inserted) + (select count(*) from notified) as written
      from claimed c`);
    const rows = rowsOf<{
      id: string;
      owner: string;
      workflow: string;
      params: Record<string, unknown> | null;
      checkpoint: StoredCheckpoint | null;
      timeout_seconds: number;
      attempt: number;
      step: string | null;
      message: string | null;
      dependency_results: Record<string, unknown> | null;
    }>(result);
    return rows.flatMap((row): ClaimedTask[] => {
      const job = jobs.find((candidate) => candidate.taskId === row.id);
      if (!job) return [];
      return [
        {
          job,
          taskId: row.id,
          owner: row.owner,
          workflow: row.workflow,
          params: row.params ?? {},
          checkpoint: row.checkpoint,
          timeoutSeconds: row.timeout_seconds,
          attempt: row.attempt,
          step: row.step,
          message: row.message,
          dependencyResults: row.dependency_results ?? {},
        },
      ];
    });
  }
}

export interface CheckpointWrite {
  claim: ClaimedTask;
  checkpoint: StoredCheckpoint;
}

/** Stores checkpoints of running attempts; an attempt that no longer owns its task writes nothing. */
export async function saveCheckpoints(tx: Transaction, writes: readonly CheckpointWrite[]): Promise<void> {
  if (writes.length === 0) return;
  const input = JSON.stringify(
    writes.map((w) => ({ id: w.claim.taskId, attempt: w.claim.attempt, checkpoint: w.checkpoint })),
  );
  await tx.execute(sql`
    update tasks t set checkpoint = x.checkpoint, updated_at = now()
    from jsonb_to_recordset(${input}::jsonb) as x(id uuid, attempt int, checkpoint jsonb)
    where t.id = x.id and t.attempt = x.attempt and t.status = 'running'
      and t.id = any(${uuidArray(writes.map((w) => w.claim.taskId))})`);
}

export type { NodeMetric, TaskError };
