import { type SQL, sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  real,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';
import { taskGroups } from './groups.ts';
import { schedules } from './schedules.ts';

/**
 * Priorities in the order the queue runs them (pg-boss fetches the higher rank first): the first key of the
 * run order (`tasks.list` with `next_to_run`), the index below and the listing's query share it.
 */
export const RUN_ORDER_PRIORITIES = ['high', 'normal', 'low'] as const;

/** A task's place by priority in the run order (0 runs first): literals, so the index matches the query. */
function runPlace(priority: AnyPgColumn): SQL<number> {
  const cases = RUN_ORDER_PRIORITIES.map((name, place) => `when '${name}' then ${place}`).join(' ');
  return sql<number>`(case ${priority} ${sql.raw(cases)} end)`;
}

/** When a task became runnable: its run_at, or its submit when that was later (greatest skips a null). */
function runnableAt(createdAt: AnyPgColumn, runAt: AnyPgColumn): SQL<Date> {
  return sql<Date>`greatest(${createdAt}, ${runAt})`;
}

/**
 * Stored with fillfactor 50 (migration 0007; drizzle has no table option for it): a row is updated at its
 * claim and with each event after its first (its last_seq), and those updates stay in the row's own page
 * (HOT, no new index entries) only while the page has room for the new version.
 */
export const tasks = pgTable(
  'tasks',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    owner: text('owner').notNull(),
    workflow: text('workflow').notNull(),
    /** The registered version its params were validated against (its queue); null: submitted before 0006. */
    workflowVersion: text('workflow_version'),
    params: jsonb('params').notNull().default({}),
    /** pending | blocked | scheduled | queued | running | waiting | completed | failed | cancelled */
    status: text('status').notNull(),
    priority: text('priority').notNull().default('normal'),
    progress: real('progress').notNull().default(0),
    step: text('step'),
    message: text('message'),
    etaSeconds: real('eta_seconds'),
    result: jsonb('result'),
    /** { code, message, stack, node_id, attempt } */
    error: jsonb('error'),
    attempt: integer('attempt').notNull().default(0),
    maxRetries: integer('max_retries').notNull(),
    retryDelaySeconds: integer('retry_delay_seconds').notNull().default(1),
    retryBackoff: boolean('retry_backoff').notNull().default(true),
    timeoutSeconds: integer('timeout_seconds').notNull(),
    groupId: uuid('group_id').references(() => taskGroups.id, { onDelete: 'set null' }),
    scheduleId: uuid('schedule_id').references(() => schedules.id, { onDelete: 'set null' }),
    dependsOn: uuid('depends_on').array().notNull().default(sql`'{}'::uuid[]`),
    idempotencyKey: text('idempotency_key'),
    /** The key of the workflow's per-key running limit (`concurrency_per_key`); its job's pg-boss group. */
    concurrencyKey: text('concurrency_key'),
    /** pg-boss job id of the current attempt. */
    jobId: uuid('job_id'),
    /** { nextNodeId, shared } written after every completed node. */
    checkpoint: jsonb('checkpoint'),
    /** The most recent node steps of the task's runs (contracts' NODE_METRICS_KEPT at most). */
    metrics: jsonb('metrics'),
    /**
     * Steps before those, and every step summed per node (contracts' NodeMetricTotals[]); null in rows
     * written before 0015, whose `metrics` held every step. No backfill: readers sum those, and totals that
     * do not add up (a worker of an older release wrote `metrics` after them) are summed from the list too.
     */
    metricsOmitted: integer('metrics_omitted'),
    metricsByNode: jsonb('metrics_by_node'),
    /** Highest task_events.seq of this task. */
    lastSeq: integer('last_seq').notNull().default(0),
    runAt: ts('run_at'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
    startedAt: ts('started_at'),
    /** When the current (or last) run was claimed: how long a running task has run in this attempt. */
    runStartedAt: ts('run_started_at'),
    completedAt: ts('completed_at'),
    /** When the result and events of a finished task may be removed. */
    expiresAt: ts('expires_at'),
    /**
     * The `expires_at` whose results the cleaner removed: the row leaves the index of expiries to clear,
     * and a task that runs again (retry, redrive) gets a new expiry, so it is cleared again.
     */
    clearedExpiresAt: ts('cleared_expires_at'),
    /** The worker process (`workers.id`) running the task's current attempt; set by the claim. */
    workerId: uuid('worker_id'),
    /** pg-boss' retry count and limit of the job the current attempt runs (to settle it for a dead worker). */
    jobRetryCount: integer('job_retry_count'),
    jobRetryLimit: integer('job_retry_limit'),
    /** When the task failed (every failed task is a dead letter); cleared by retry, redrive and purge. */
    deadLetteredAt: ts('dead_lettered_at'),
    /** What a `waiting` task waits for (contracts' TaskWait, plus runtime fields); null otherwise. */
    wait: jsonb('wait'),
    /**
     * How many waits the task began (a count only: a timer job is matched to its wait by `job_id`, a
     * signal by the task's row lock).
     */
    waitSeq: integer('wait_seq').notNull().default(0),
    /**
     * How the last wait ended (`ResumeValue` of the engine), until the resumed run gets past the waiting
     * node or the task finishes (packages/graph/WAITS.md).
     */
    resume: jsonb('resume'),
    /** The task whose waiting node submitted this one (`runChildren`), and its place in that list. */
    parentTaskId: uuid('parent_task_id'),
    childIndex: integer('child_index'),
    /**
     * The status once the task has finished (completed, failed, cancelled), null while it is unfinished:
     * what the index of finished tasks by status keys on. A claim (queued -> running) leaves it null, so
     * that update stays HOT, which an index on `status` itself would prevent (see the indexes below).
     */
    finishedStatus: text('finished_status').generatedAlwaysAs(
      sql`case when completed_at is not null then status end`,
    ),
  },
  (t) => [
    uniqueIndex('tasks_owner_idempotency_idx')
      .on(t.owner, t.idempotencyKey)
      .where(sql`${t.idempotencyKey} is not null`),
    index('tasks_owner_created_idx').on(t.owner, t.createdAt.desc(), t.id.desc()),
    index('tasks_created_idx').on(t.createdAt.desc(), t.id.desc()),
    index('tasks_workflow_created_idx').on(t.workflow, t.createdAt.desc(), t.id.desc()),
    // No index reads `status`: a task's row is updated in place (HOT, no new index entries) when no indexed
    // column changes, and the claim (queued -> running) and progress writes change only unindexed ones.
    // Unfinished tasks are found by `completed_at is null` (the check below makes that the same as an
    // unfinished status), finished ones by `finished_status`.
    index('tasks_owner_active_idx')
      .on(t.owner, t.createdAt.desc(), t.id.desc())
      .where(sql`${t.completedAt} is null`),
    index('tasks_active_created_idx')
      .on(t.createdAt.desc(), t.id.desc())
      .where(sql`${t.completedAt} is null`),
    index('tasks_finished_status_idx')
      .on(t.finishedStatus, t.createdAt.desc(), t.id.desc())
      .where(sql`${t.finishedStatus} is not null`),
    // An owner's finished tasks of one status (its failed ones) without walking its other tasks. One entry
    // per finish, whose update is not HOT anyway (it sets the indexed completed_at).
    index('tasks_owner_finished_status_idx')
      .on(t.owner, t.finishedStatus, t.createdAt.desc(), t.id.desc())
      .where(sql`${t.finishedStatus} is not null`),
    // In listing order, so a page of a large group's or schedule's tasks is read, not all of them sorted.
    index('tasks_group_idx')
      .on(t.groupId, t.createdAt.desc(), t.id.desc())
      .where(sql`${t.groupId} is not null`),
    index('tasks_schedule_idx')
      .on(t.scheduleId, t.createdAt.desc(), t.id.desc())
      .where(sql`${t.scheduleId} is not null`),
    index('tasks_dead_lettered_idx')
      .on(t.deadLetteredAt.desc(), t.id.desc())
      .where(sql`${t.deadLetteredAt} is not null`),
    // An owner's dead letters without walking other owners' or their own finished tasks.
    index('tasks_owner_dead_lettered_idx')
      .on(t.owner, t.deadLetteredAt.desc(), t.id.desc())
      .where(sql`${t.deadLetteredAt} is not null`),
    // Dead letters of one workflow (the listing's and redrive all's filter); written only when a task fails.
    index('tasks_workflow_dead_lettered_idx')
      .on(t.workflow, t.deadLetteredAt.desc(), t.id.desc())
      .where(sql`${t.deadLetteredAt} is not null`),
    index('tasks_parent_idx').on(t.parentTaskId).where(sql`${t.parentTaskId} is not null`),
    // Expiries not cleared yet only: each cleaner pass reads what is left to clear, not all history.
    index('tasks_expires_idx')
      .on(t.expiresAt)
      .where(sql`${t.expiresAt} is not null and ${t.clearedExpiresAt} is distinct from ${t.expiresAt}`),
    // Metrics over a recent window (finished in the last hour) read only that window.
    index('tasks_completed_at_idx').on(t.completedAt).where(sql`${t.completedAt} is not null`),
    // Unfinished tasks in the order the queue runs them, for the run-order listing across owners (an
    // owner's own are few, bounded by MAX_QUEUE_SIZE, and read by tasks_owner_active_idx). A claim changes
    // none of its columns, so it stays HOT.
    index('tasks_run_order_idx')
      .on(runPlace(t.priority), runnableAt(t.createdAt, t.runAt), t.id)
      .where(sql`${t.completedAt} is null`),
    check(
      'tasks_completed_at_iff_finished',
      sql`(${t.completedAt} is null) = (${t.status} in ('pending', 'blocked', 'scheduled', 'queued', 'running', 'waiting'))`,
    ),
  ],
);

/** `runPlace` of a task row: the run order's first key. */
export const taskRunPlace = runPlace(tasks.priority);
/** `runnableAt` of a task row: the run order's second key (then its id). */
export const taskRunnableAt = runnableAt(tasks.createdAt, tasks.runAt);
