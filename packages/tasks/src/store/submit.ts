import type { Priority, TaskError, TaskStatus } from '@kaygraph/contracts';
import { taskGroups } from '@kaygraph/db';
import { inArray, sql } from 'drizzle-orm';
import { recordsJson, rowsOf, type Transaction } from '../db.ts';
import { FIRST_EVENTS, firstEventsOf, type NewTaskEvent } from './events.ts';

/** Groups by id with their owner and whether they were cancelled. */
export async function loadGroups(
  tx: Transaction,
  groupIds: readonly string[],
): Promise<Map<string, { owner: string; cancelled: boolean }>> {
  if (groupIds.length === 0) return new Map();
  const rows = await tx
    .select({ id: taskGroups.id, owner: taskGroups.owner, cancelledAt: taskGroups.cancelledAt })
    .from(taskGroups)
    .where(inArray(taskGroups.id, [...groupIds]));
  return new Map(rows.map((row) => [row.id, { owner: row.owner, cancelled: row.cancelledAt !== null }]));
}

export interface NewTaskRow {
  id: string;
  owner: string;
  workflow: string;
  /** The registered version the params were validated against. */
  version: string;
  params: Record<string, unknown>;
  status: TaskStatus;
  error: TaskError | null;
  dependsOn: string[];
  scheduleId: string | null;
  priority: Priority;
  maxRetries: number;
  retryDelaySeconds: number;
  retryBackoff: boolean;
  timeoutSeconds: number;
  groupId: string | null;
  idempotencyKey: string | null;
  concurrencyKey: string | null;
  runAt: Date | null;
  /** A child task (`runChildren`): its parent and its place in the parent's list. */
  parentTaskId?: string | null;
  childIndex?: number | null;
  /** Its first event (its status), written with the row. */
  firstEvent: Pick<NewTaskEvent, 'type' | 'payload'>;
}

/**
 * Inserts task rows (their job id is their own id) with their first events, in one statement. A row whose
 * idempotency key the owner already used is skipped, and so is its event (a concurrent duplicate waits for
 * the first insert to commit): the ids of the rows inserted are returned with their creation time.
 */
export async function insertTasks(
  tx: Transaction,
  rows: readonly NewTaskRow[],
  resultTtlSeconds: number,
): Promise<Map<string, Date>> {
  if (rows.length === 0) return new Map();
  // One parameter for the whole batch (a multi-row VALUES binds every column of every row).
  const input = recordsJson(
    rows.map((row) => ({
      id: row.id,
      owner: row.owner,
      workflow: row.workflow,
      workflow_version: row.version,
      params: row.params,
      status: row.status,
      error: row.error,
      depends_on: row.dependsOn,
      schedule_id: row.scheduleId,
      priority: row.priority,
      max_retries: row.maxRetries,
      retry_delay_seconds: row.retryDelaySeconds,
      retry_backoff: row.retryBackoff,
      timeout_seconds: row.timeoutSeconds,
      group_id: row.groupId,
      idempotency_key: row.idempotencyKey,
      concurrency_key: row.concurrencyKey,
      run_at: row.runAt?.toISOString() ?? null,
      parent_task_id: row.parentTaskId ?? null,
      child_index: row.childIndex ?? null,
      event_type: row.firstEvent.type,
      event_payload: row.firstEvent.payload,
    })),
  );
  const inserted = rowsOf<{ id: string; created_at: string }>(
    await tx.execute(sql`
      with x as (
        select * from rows from (jsonb_to_recordset(${input}::jsonb) as (id uuid, owner text, workflow text,
          workflow_version text, params jsonb, status text, error jsonb, depends_on uuid[], schedule_id uuid,
          priority text, max_retries int, retry_delay_seconds int, retry_backoff boolean, timeout_seconds int,
          group_id uuid, idempotency_key text, concurrency_key text, run_at timestamptz, parent_task_id uuid,
          child_index int, event_type text, event_payload jsonb)) with ordinality
      ), created as (
        insert into tasks (id, job_id, owner, workflow, workflow_version, params, status, error, depends_on, schedule_id,
          priority, max_retries, retry_delay_seconds, retry_backoff, timeout_seconds, group_id, idempotency_key,
          concurrency_key, run_at, parent_task_id, child_index, last_seq, created_at, completed_at, dead_lettered_at,
          expires_at)
        select x.id, x.id, x.owner, x.workflow, x.workflow_version, x.params, x.status, x.error, x.depends_on,
          x.schedule_id, x.priority, x.max_retries, x.retry_delay_seconds, x.retry_backoff, x.timeout_seconds,
          x.group_id, x.idempotency_key, x.concurrency_key, x.run_at, x.parent_task_id, x.child_index,
          ${FIRST_EVENTS},
          -- A microsecond apart in the order given: lists, groups and the run order keep a batch's order.
          now() + (x.ordinality - 1) * interval '1 microsecond',
          -- Failed at once (a dependency already failed): finished, and a dead letter like every failed task.
          case when x.status = 'failed' then now() end,
          case when x.status = 'failed' then now() end,
          case when x.status = 'failed' then now() + make_interval(secs => ${resultTtlSeconds}) end
        from x
        on conflict (owner, idempotency_key) where idempotency_key is not null do nothing
        returning id, owner, workflow, created_at
      ), first_events as (
        select c.id, c.owner, c.workflow, x.event_type as type, x.event_payload as payload
        from created c join x on x.id = c.id
      ), ${firstEventsOf(sql`first_events`)}
      -- Reading written sends the first events' NOTIFYs.
      select c.id, to_json(c.created_at) #>> '{}' as created_at from created c, written`),
  );
  return new Map(inserted.map((row) => [row.id, new Date(row.created_at)]));
}
