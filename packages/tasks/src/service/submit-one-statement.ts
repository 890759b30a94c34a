import { randomUUID } from 'node:crypto';
import type { SubmitTaskOutput, TaskStatus } from '@kaygraph/contracts';
import { TASK_EVENTS_CHANNEL } from '../events/append-events.ts';
import { jobInsertCtes } from '../queue/job-insert-sql.ts';
import { workflowQueue } from '../queue/names.ts';
import { backlogBaseline } from './backlog-baseline.ts';
import type { TaskContext } from './context.ts';
import { UNLOCKED_MARGIN } from './queue-limit.ts';
import { jobOfTask } from './task-job.ts';
import type { PreparedTask } from './validate-submit.ts';

/**
 * The common submit (tasks of one workflow, with no idempotency key, dependency or group, outside a
 * caller's transaction) as ONE statement in its own implicit transaction: the queue-room check, the
 * `tasks` rows, their first `status` event with its NOTIFY, and the pg-boss jobs (pg-boss's own insert,
 * see queue/job-insert-sql.ts, with its NOTIFY that wakes the dispatchers). One round trip instead of
 * BEGIN, four statements and COMMIT; still all or nothing. Everything else goes through the transaction
 * in submit.ts.
 */
export function submitsInOneStatement(
  prepared: readonly PreparedTask[],
  options: { tx?: unknown; scheduleId?: string },
): boolean {
  if (options.tx || options.scheduleId) return false;
  const workflow = prepared[0]?.workflow.name;
  return prepared.every(
    (task) =>
      task.workflow.name === workflow && !task.idempotencyKey && !task.groupId && task.dependsOn.length === 0,
  );
}

/** How long an owner found near its limit goes straight to the locked path (no wasted round trip). */
const NEAR_LIMIT_MEMORY_MS = 1_000;
const nearLimitUntil = new WeakMap<TaskContext, Map<string, number>>();

function knownNearLimit(ctx: TaskContext, owner: string, now: number): boolean {
  const until = nearLimitUntil.get(ctx)?.get(owner);
  return until !== undefined && until > now;
}

function rememberNearLimit(ctx: TaskContext, owner: string, now: number): void {
  let owners = nearLimitUntil.get(ctx);
  if (!owners) {
    owners = new Map();
    nearLimitUntil.set(ctx, owners);
  }
  if (owners.size >= 1_000) {
    for (const [key, until] of owners) if (until <= now) owners.delete(key);
  }
  owners.set(owner, now + NEAR_LIMIT_MEMORY_MS);
}

/**
 * Submits `prepared` (see `submitsInOneStatement`) in one statement. Resolves with null, having written
 * nothing, when the owner is near `max_queue_size`: the caller then takes the locked path, which keeps the
 * limit exact under concurrent submits. An owner found near its limit takes the locked path directly for
 * the next second. The room check counts the owner's backlog from a recent baseline (backlog-baseline.ts)
 * plus its tasks created since, so a submit's cost does not grow with the backlog.
 */
export async function submitInOneStatement(
  ctx: TaskContext,
  owner: string,
  prepared: readonly PreparedTask[],
): Promise<SubmitTaskOutput[] | null> {
  const first = prepared[0];
  // The room check below passes while at most this many tasks of the owner are unfinished.
  const roomBelow = ctx.maxQueueSize - prepared.length - UNLOCKED_MARGIN;
  const now = Date.now();
  if (!first || roomBelow < 0 || knownNearLimit(ctx, owner, now)) return null;
  const baseline = await backlogBaseline(ctx, owner, ctx.maxQueueSize);
  if (baseline.count > roomBelow) {
    rememberNearLimit(ctx, owner, now);
    return null;
  }
  const rows = prepared.map((task) => ({
    id: randomUUID(),
    task,
    status: (task.runAt && task.runAt.getTime() > now ? 'scheduled' : 'queued') as TaskStatus,
  }));
  const jobs = rows.map(({ id, task }) => jobOfTask(id, task, ctx.tuning));
  // The jobs are inserted only when the room check passed, like the tasks.
  const job = await jobInsertCtes(
    ctx.boss,
    workflowQueue(first.workflow.name),
    jobs,
    `(case when (select ok from room) then $5::text else '[]' end)`,
  );
  const input = JSON.stringify(
    rows.map(({ id, task, status }) => ({
      id,
      workflow: task.workflow.name,
      params: task.params,
      status,
      priority: task.priority,
      max_retries: task.maxRetries,
      retry_delay_seconds: task.retryDelaySeconds,
      retry_backoff: task.retryBackoff,
      timeout_seconds: task.timeoutSeconds,
      run_at: task.runAt?.toISOString() ?? null,
    })),
  );
  const statement = `
    with input as (
      select * from jsonb_to_recordset($1::jsonb) as i(id uuid, workflow text, params jsonb, status text,
        priority text, max_retries int, retry_delay_seconds int, retry_backoff boolean, timeout_seconds int,
        run_at timestamptz)
    ), room as (
      select $6::bigint + count(*) <= $3::bigint as ok from (
        select 1 from tasks
        where owner = $2::text and completed_at is null and created_at >= $7::timestamptz
        limit $4::bigint
      ) recent
    ), task as (
      insert into tasks (id, owner, workflow, params, status, priority, max_retries, retry_delay_seconds,
        retry_backoff, timeout_seconds, job_id, run_at, last_seq)
      select id, $2::text, workflow, params, status, priority, max_retries, retry_delay_seconds, retry_backoff,
        timeout_seconds, id, run_at, 1
      from input where (select ok from room)
      returning id, workflow, status, created_at
    ), first_event as (
      insert into task_events (task_id, seq, type, payload, at)
      select id, 1, 'status', jsonb_build_object('status', status, 'attempt', 0, 'error', null), now() from task
      returning 1
    ), event_notified as (
      select pg_notify('${TASK_EVENTS_CHANNEL}', json_build_object(
        'task_id', id, 'seq', 1, 'owner', $2::text, 'workflow', workflow, 'type', 'status', 'at', now(),
        'payload', json_build_object('status', status, 'attempt', 0, 'error', null))::text)
      from task
    ), ${job.ctes}
    select id, status, to_json(created_at) #>> '{}' as created_at,
      (select count(*) from first_event) + (select count(*) from event_notified)
        ${job.notified ? `+ (select count(*) from ${job.notified})` : ''} as written
    from task`;
  const created = await ctx.db.$client.unsafe<{ id: string; status: TaskStatus; created_at: string }[]>(
    statement,
    [input, owner, roomBelow, roomBelow - baseline.count + 1, job.payload, baseline.count, baseline.asOf],
  );
  if (created.length === 0) {
    rememberNearLimit(ctx, owner, now);
    return null;
  }
  const byId = new Map(created.map((row) => [row.id, row]));
  return rows.map(({ id }): SubmitTaskOutput => {
    const row = byId.get(id);
    if (!row) throw new Error(`submitted task ${id} was not returned`);
    return {
      task_id: id,
      status: row.status,
      created_at: new Date(row.created_at).toISOString(),
      deduplicated: false,
    };
  });
}
