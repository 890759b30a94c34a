import type { WorkflowDefaults } from '@kaygraph/contracts/run-contracts';
import type { Graph } from '@kaygraph/graph';
import type { ZodType } from 'zod';

/**
 * One workflow the task system can run. `@kaygraph/workflows`' registry satisfies this structurally.
 *
 * What the runtime expects of the graph (the contract between workflows and the runtime):
 * - `graph(params, run)` is called with the validated params on every attempt. The graph runs with the
 *   run params `{ attempt, task_id, owner, dependency_results, services? }` (nodes read them as `this.params`; `services` comes
 *   from the workflows module's `createServices`). The run starts from an empty shared store `{}`, or from
 *   the last checkpoint on a retry.
 * - The task's result is `shared.result` when the run completes (null when absent); it is validated with
 *   `result` when given.
 * - Files a run produced go in `shared.artifacts` as `{ name, content_type, content, encoding? }` where
 *   `content` is a string (`encoding: 'base64'` for binary). They are stored with the task, and removed
 *   from the result JSON.
 * - The shared store must stay JSON-serialisable: it is the checkpoint written after every node.
 * - A node may wait (`WaitNode`: a declared signal, a sleep, child tasks): the task is then `waiting` and
 *   holds no worker; it resumes from the checkpoint, on any worker, with that node's `post`.
 */
export interface CatalogWorkflow {
  name: string;
  description: string;
  aliases: readonly string[];
  /**
   * The version tasks record and workers claim by; absent: a hash of the name, JSON Schemas and defaults
   * (see registry/workflow-version.ts). Declare one to keep tasks claimable across a change you know to
   * be compatible.
   */
  version?: string | undefined;
  params: ZodType;
  result?: ZodType;
  /**
   * Signals its tasks may wait for: the payload schema by name. `tasks.signal` checks `signalSchemas`; the
   * worker parses the payload with this before the waiting node's `post`. A graph that waits for a signal
   * the workflow does not declare fails.
   */
  signals?: Readonly<Record<string, ZodType>>;
  /** JSON Schema of each declared signal's payload, by name (shown in a waiting task's `wait`). */
  signalSchemas?: Readonly<Record<string, Record<string, unknown>>>;
  defaults: WorkflowDefaults;
  /**
   * Pure I/O workflows may run on the worker's main thread instead of a worker thread; a function of the
   * task's params (as stored) decides per run.
   */
  inline?: boolean | ((params: unknown) => boolean);
  /** One of the service's built-in workflows (`@kaygraph/workflows/catalog` marks its own). */
  builtin?: boolean | undefined;
  /**
   * Serves this workflow in place of the built-in of the same name (or alias): without it, a worker on a
   * database where the built-ins are registered refuses to start (registry/builtin-names.ts).
   */
  replacesBuiltin?: boolean | undefined;
  // biome-ignore lint/suspicious/noExplicitAny: each workflow has its own shared-store type
  graph(params: unknown, run: WorkflowRunInfo): Graph<any>;
}

/** Which run a graph is built for. */
export interface WorkflowRunInfo {
  taskId: string;
  owner: string;
  /** 1 for the first attempt, counting every retry (automatic or manual). */
  attempt: number;
  /**
   * Results of the tasks this one depends on (`depends_on`), by task id; `{}` without dependencies. Nodes
   * see the same object as the run param `dependency_results`.
   */
  dependencyResults?: Readonly<Record<string, unknown>>;
}

/**
 * Workflow code: what a worker runs and registers (`get` resolves aliases too). The task service never
 * reads one: it validates against what workers registered (registry/).
 */
export interface WorkflowCatalog {
  get(name: string): CatalogWorkflow | undefined;
  list(): CatalogWorkflow[];
}

/**
 * The module a worker thread loads to find the catalog: it exports `catalog`, and optionally
 * `createServices`, which the runtime calls once per thread (and once on the main thread for inline
 * workflows) and then per run: the result is passed to the graph as the run param `services`.
 */
export interface WorkflowsModule {
  catalog: WorkflowCatalog;
  createServices?: CreateRunServices;
}

export interface RunServicesOptions {
  databaseUrl: string;
  /** What the service passed as `startWorker({ servicesOptions })` (e.g. a data directory). */
  [option: string]: unknown;
}

/** Per thread: returns the per-run factory of `services` (may hold a pool for the thread's lifetime). */
export type CreateRunServices = (
  options: RunServicesOptions,
) => (run: { taskId: string; owner: string }) => unknown;

export function isWorkflowsModule(value: unknown): value is WorkflowsModule {
  if (typeof value !== 'object' || value === null || !('catalog' in value)) return false;
  const catalog = (value as { catalog: unknown }).catalog;
  return typeof catalog === 'object' && catalog !== null && 'get' in catalog && 'list' in catalog;
}
