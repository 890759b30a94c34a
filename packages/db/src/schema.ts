import { type SQL, sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  boolean,
  check,
  customType,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  real,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });
const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });
const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const taskGroups = pgTable(
  'task_groups',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    owner: text('owner').notNull(),
    name: text('name').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    cancelledAt: ts('cancelled_at'),
  },
  // A page of groups (an owner's, or everyone's for an admin) in the order the listing asks for.
  (t) => [
    index('task_groups_owner_created_idx').on(t.owner, t.createdAt.desc(), t.id.desc()),
    index('task_groups_created_idx').on(t.createdAt.desc(), t.id.desc()),
  ],
);

export const schedules = pgTable(
  'schedules',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    owner: text('owner').notNull(),
    name: text('name').notNull(),
    cron: text('cron').notNull(),
    timezone: text('timezone').notNull().default('UTC'),
    workflow: text('workflow').notNull(),
    params: jsonb('params').notNull().default({}),
    priority: text('priority').notNull().default('normal'),
    enabled: boolean('enabled').notNull().default(true),
    lastRunAt: ts('last_run_at'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('schedules_owner_name_idx').on(t.owner, t.name)],
);

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
 * Stored with fillfactor 50 (migration 0007; drizzle has no table option for it): every row is updated
 * right after its insert (its first event's seq) and again at its claim, and those updates stay in the
 * row's own page (HOT, no new index entries) only while the page has room for the new version.
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
    /** pg-boss job id of the current attempt. */
    jobId: uuid('job_id'),
    /** { nextNodeId, shared } written after every completed node. */
    checkpoint: jsonb('checkpoint'),
    metrics: jsonb('metrics'),
    /** Highest task_events.seq of this task. */
    lastSeq: integer('last_seq').notNull().default(0),
    runAt: ts('run_at'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
    startedAt: ts('started_at'),
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

/**
 * Worker processes and when each was last heard from: a running task whose worker went silent for the
 * lease (or stopped) is taken back by the liveness monitor. `reaped_at`: the monitor took its tasks back.
 */
export const workers = pgTable(
  'workers',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    host: text('host').notNull(),
    pid: integer('pid').notNull(),
    startedAt: ts('started_at').notNull().defaultNow(),
    lastSeenAt: ts('last_seen_at').notNull().defaultNow(),
    stoppedAt: ts('stopped_at'),
    reapedAt: ts('reaped_at'),
  },
  (t) => [index('workers_unreaped_idx').on(t.lastSeenAt).where(sql`${t.reapedAt} is null`)],
);

/**
 * The registry: every version of a workflow some worker (or a publish) registered, with the JSON Schemas
 * the api validates submits against. `version` is the workflow's declared version or a hash of its
 * schemas and defaults.
 */
export const workflowVersions = pgTable(
  'workflow_versions',
  {
    name: text('name').notNull(),
    version: text('version').notNull(),
    description: text('description').notNull(),
    aliases: text('aliases').array().notNull().default(sql`'{}'::text[]`),
    paramsSchema: jsonb('params_schema').notNull(),
    resultSchema: jsonb('result_schema'),
    /** JSON Schema of each declared signal's payload, by signal name. */
    signalsSchema: jsonb('signals_schema').notNull().default({}),
    defaults: jsonb('defaults').notNull(),
    firstRegisteredAt: ts('first_registered_at').notNull().defaultNow(),
    lastRegisteredAt: ts('last_registered_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.name, t.version] })],
);

/** Which worker serves which workflow version; a worker counts while its `workers` row is live. */
export const workerWorkflows = pgTable(
  'worker_workflows',
  {
    workerId: uuid('worker_id')
      .notNull()
      .references(() => workers.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    version: text('version').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.workerId, t.name, t.version] }),
    index('worker_workflows_version_idx').on(t.name, t.version),
  ],
);

export const taskEvents = pgTable(
  'task_events',
  {
    /**
     * No foreign key: the event writer (packages/tasks store/events.ts) only numbers events of task rows it
     * has just updated, and task rows are never deleted (the result TTL deletes their events). A key would
     * check every event again.
     */
    taskId: uuid('task_id').notNull(),
    seq: integer('seq').notNull(),
    /** status | progress | log */
    type: text('type').notNull(),
    payload: jsonb('payload').notNull(),
    at: ts('at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.taskId, t.seq] })],
);

/**
 * Signals sent to a task before it waits for them, at most one per task and name: the wait that asks for
 * `name` takes (deletes) it.
 */
export const taskSignals = pgTable(
  'task_signals',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    taskId: uuid('task_id')
      .notNull()
      .references(() => tasks.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    payload: jsonb('payload'),
    receivedAt: ts('received_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('task_signals_task_name_idx').on(t.taskId, t.name)],
);

/**
 * The idempotency keys of the signals a task took (per task): a repeat of a key answers as the first
 * signal did (`taken`, `status`), and the key with another name or payload (`payload_digest`, sha-256 of
 * the validated payload as jsonb text) is refused. Cleared with the task's result (the cleaner).
 */
export const taskSignalKeys = pgTable(
  'task_signal_keys',
  {
    taskId: uuid('task_id')
      .notNull()
      .references(() => tasks.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    name: text('name').notNull(),
    payloadDigest: bytea('payload_digest').notNull(),
    /** resumed | stored */
    taken: text('taken').notNull(),
    status: text('status').notNull(),
    receivedAt: ts('received_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.taskId, t.key] })],
);

/** Edges of the dependency graph: `taskId` waits for `dependsOnId`. */
export const taskDependencies = pgTable(
  'task_dependencies',
  {
    taskId: uuid('task_id')
      .notNull()
      .references(() => tasks.id, { onDelete: 'cascade' }),
    dependsOnId: uuid('depends_on_id')
      .notNull()
      .references(() => tasks.id, { onDelete: 'cascade' }),
  },
  (t) => [
    primaryKey({ columns: [t.taskId, t.dependsOnId] }),
    index('task_dependencies_depends_on_idx').on(t.dependsOnId),
  ],
);

/** Files a task produced (report CSV, model weights); removed with the task's result. */
export const taskArtifacts = pgTable(
  'task_artifacts',
  {
    taskId: uuid('task_id')
      .notNull()
      .references(() => tasks.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    contentType: text('content_type').notNull(),
    size: integer('size').notNull(),
    content: bytea('content').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.taskId, t.name] })],
);

/** Chunks written by document_indexing: vector (hashing TF-IDF) and full-text index. */
export const documentChunks = pgTable(
  'document_chunks',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    owner: text('owner').notNull(),
    index: text('index_name').notNull(),
    taskId: uuid('task_id').references(() => tasks.id, { onDelete: 'set null' }),
    document: text('document').notNull(),
    chunkNo: integer('chunk_no').notNull(),
    content: text('content').notNull(),
    embedding: real('embedding').array().notNull(),
    tsv: tsvector('tsv').notNull().generatedAlwaysAs(sql`to_tsvector('english', content)`),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('document_chunks_owner_index_idx').on(t.owner, t.index),
    index('document_chunks_tsv_idx').using('gin', t.tsv),
  ],
);

export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    owner: text('owner').notNull(),
    /** sha256 of the key; the key itself is shown once, at creation. */
    keyHash: text('key_hash').notNull(),
    prefix: text('prefix').notNull(),
    admin: boolean('admin').notNull().default(false),
    /** Submissions per minute; null: the service default. */
    rateLimitPerMinute: integer('rate_limit_per_minute'),
    createdAt: ts('created_at').notNull().defaultNow(),
    lastUsedAt: ts('last_used_at'),
    revokedAt: ts('revoked_at'),
  },
  (t) => [uniqueIndex('api_keys_hash_idx').on(t.keyHash)],
);

/**
 * Token buckets shared by every api replica. `leased`: tokens replicas took beyond what they spent and
 * hold until `leased_until` (then they give back what they did not spend): what a refused taker can
 * expect back before the refill brings it.
 */
export const rateLimitBuckets = pgTable('rate_limit_buckets', {
  key: text('key').primaryKey(),
  tokens: doublePrecision('tokens').notNull(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
  leased: doublePrecision('leased').notNull().default(0),
  leasedUntil: ts('leased_until'),
});
