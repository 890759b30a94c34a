import { z } from 'zod';
import { Priority, TaskId, TaskStatus, TimeoutSeconds } from './common.ts';
import { WorkflowName } from './tasks.ts';

/**
 * How many of a workflow's tasks may start in any window of `per_seconds`, across every worker (a third-party
 * API's rate limit). Starts are claims: a retry and a task resuming from a wait count too.
 */
export const WorkflowRateLimit = z.strictObject({
  max: z.number().int().min(1).max(1000),
  per_seconds: z.number().positive().max(86_400),
});
export type WorkflowRateLimit = z.infer<typeof WorkflowRateLimit>;

/** Per-workflow defaults; a submit may override retries, timeout and priority. */
export const WorkflowDefaults = z.object({
  max_retries: z.number().int().min(0).max(50),
  retry_delay_seconds: z.number().int().min(0).max(3600),
  retry_backoff: z.boolean(),
  /** Seconds a run may take (null: the service's TASK_TIMEOUT, 3600 unless set). */
  timeout_seconds: TimeoutSeconds.nullable(),
  priority: Priority,
  /** Most tasks of this workflow running at once across the cluster (null: no limit). */
  concurrency: z.number().int().min(1).nullable(),
  /**
   * Most tasks with the same `concurrency_key` (per owner) running at once across the cluster (null: no
   * limit, and submits that name a key are refused). Absent in versions registered before it: none.
   */
  concurrency_per_key: z.number().int().min(1).max(1000).nullable().default(null),
  /**
   * At most `max` of its tasks start in any `per_seconds` window, cluster-wide; the others stay queued until
   * the window allows (null: no limit). Absent in versions registered before it: none.
   */
  rate_limit: WorkflowRateLimit.nullable().default(null),
});
export type WorkflowDefaults = z.infer<typeof WorkflowDefaults>;

/**
 * A workflow version: what a workflow declares (`version`), else a hash of its name, JSON Schemas and
 * defaults. Tasks record it; only workers that run it claim them.
 */
export const WorkflowVersion = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.-]+$/, 'versions use letters, digits, "_", "." and "-"');
export type WorkflowVersion = z.infer<typeof WorkflowVersion>;

/** A live worker process that serves a workflow version. */
export const ServingWorker = z.object({
  id: z.string(),
  /** Where the worker runs: for operators (admins, the keyless caller of an open api); null for others. */
  host: z.string().nullable().describe('the host the worker runs on; null for a key that is not an admin'),
  pid: z.number().int().nullable().describe("the worker's process id; null for a key that is not an admin"),
  last_seen_at: z.string(),
});
export type ServingWorker = z.infer<typeof ServingWorker>;

/** One registered version of a workflow, with the live workers that run its tasks. */
export const WorkflowVersionInfo = z.object({
  version: WorkflowVersion,
  /** New tasks are validated against this version and run by its workers. */
  current: z.boolean(),
  first_registered_at: z.string(),
  last_registered_at: z.string(),
  /** The caller's tasks of this version not finished yet (an admin's: every owner's): what is left to drain. */
  unfinished_tasks: z.number().int(),
  workers: z.array(ServingWorker),
});
export type WorkflowVersionInfo = z.infer<typeof WorkflowVersionInfo>;

export const WorkflowInfo = z.object({
  name: z.string(),
  /** The current version: what a submit is validated against now. */
  version: WorkflowVersion,
  description: z.string(),
  aliases: z.array(z.string()),
  /** JSON Schema (draft 2020-12) of the params. */
  params_schema: z.record(z.string(), z.unknown()),
  result_schema: z.record(z.string(), z.unknown()).nullable(),
  /** JSON Schema of each signal's payload, by signal name (`{}`: the workflow takes no signals). */
  signals_schema: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  defaults: WorkflowDefaults,
  /** The current version and every older one that still has live workers or unfinished tasks. */
  versions: z.array(WorkflowVersionInfo),
  /** Paused (POST /workflows/{name}/pause): submits queue its tasks, no worker starts one. */
  paused: z.boolean(),
  /** Since when it is paused; null while it is not. */
  paused_at: z.string().nullable(),
});
export type WorkflowInfo = z.infer<typeof WorkflowInfo>;

export const ListWorkflowsOutput = z.object({ workflows: z.array(WorkflowInfo) });
export type ListWorkflowsOutput = z.infer<typeof ListWorkflowsOutput>;

/** A workflow to pause or resume, by its registered name. */
export const WorkflowNameInput = z.strictObject({ name: WorkflowName });
export type WorkflowNameInput = z.input<typeof WorkflowNameInput>;

/** A workflow's pause after a pause or resume: every worker and api replica agrees on it. */
export const WorkflowPauseView = z.object({
  name: z.string(),
  paused: z.boolean(),
  /** Since when it is paused (a second pause keeps the first time); null: resumed. */
  paused_at: z.string().nullable(),
  /** The owner of the key that paused it; null: resumed. */
  paused_by: z.string().nullable(),
});
export type WorkflowPauseView = z.infer<typeof WorkflowPauseView>;

/** Tasks one `moveTasks` call reports by name among those it left on their version. */
export const MOVE_KEPT_LISTED = 100;

export const MoveVersionTasksInput = z.strictObject({
  name: WorkflowName,
  /** The version whose unfinished tasks move to the current version: one with no live workers. */
  version: WorkflowVersion,
  /**
   * Also move tasks that resume from a checkpoint (waiting ones, retried ones that ran some nodes): they
   * resume on the current version's graph, which must still have the node they stopped at.
   */
  include_checkpoints: z.boolean().default(false),
});
export type MoveVersionTasksInput = z.input<typeof MoveVersionTasksInput>;

/** Why a task stays on its version. */
export const KeptTaskReason = z.enum([
  'running',
  'resumes_from_checkpoint',
  'params_invalid',
  'key_unlimited',
]);
export type KeptTaskReason = z.infer<typeof KeptTaskReason>;

export const KeptTask = z.object({
  task_id: TaskId,
  status: TaskStatus,
  reason: KeptTaskReason,
  message: z.string(),
});
export type KeptTask = z.infer<typeof KeptTask>;

export const MoveVersionTasksOutput = z.object({
  workflow: z.string(),
  from_version: WorkflowVersion,
  to_version: WorkflowVersion,
  /** Tasks now of `to_version`: their params were validated against it (its defaults applied). */
  moved: z.number().int(),
  /** Tasks left on `from_version`. */
  kept_total: z.number().int(),
  /** The first of them (at most MOVE_KEPT_LISTED), each with why. */
  kept: z.array(KeptTask),
});
export type MoveVersionTasksOutput = z.infer<typeof MoveVersionTasksOutput>;
