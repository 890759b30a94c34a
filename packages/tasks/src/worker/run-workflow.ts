import { issuesOf, type TaskError, type TaskErrorCode } from '@kaygraph/contracts/run-contracts';
import {
  AbortedError,
  type Checkpoint,
  isNonRetriable,
  type LogLevel,
  type ProgressReport,
  ResumeMismatchError,
  type ResumeValue,
  type RunMetrics,
  type WaitRequest,
} from '@kaygraph/graph';
import type { ProducedArtifact, StoredCheckpoint } from '../attempt-data.ts';
import type { WorkflowCatalog } from '../catalog.ts';
import { paramsMismatch } from '../submit/validate-submit.ts';
import {
  checkpointMetrics,
  laterMetrics,
  metricsOfCheckpoint,
  type StoredMetrics,
  taskMetricsLog,
} from '../task-metrics.ts';
import { parseResume } from './parse-resume.ts';
import { resultMismatch } from './result-check.ts';
import { resultBytes } from './result-size.ts';

export type { ProducedArtifact, StoredCheckpoint };

export interface WorkflowRunRequest {
  taskId: string;
  owner: string;
  workflow: string;
  params: Record<string, unknown>;
  attempt: number;
  checkpoint: StoredCheckpoint | null;
  /** The task's node metrics as its last settled attempt left them (`Attempt.metrics`). */
  metrics?: StoredMetrics | null;
  /** Results of the task's dependencies by task id (chaining). */
  dependencyResults?: Record<string, unknown>;
  /** How the wait of a suspended checkpoint ended (`tasks.resume`); null: the task did not wait. */
  resumeWith?: ResumeValue | null;
  /** The task's progress when the run resumes from a wait: the run reports nothing below it. */
  progressFrom?: number | null;
}

/** What a run could not pass on: a progress report or a log line. */
export type FailedReport = 'progress' | 'log';

/** Per-run handles created where the run happens (they cannot cross threads). */
export type RunServicesFactory = ((run: { taskId: string; owner: string }) => unknown) | undefined;

export interface WorkflowRunHooks {
  signal: AbortSignal;
  onProgress(progress: ProgressReport): void;
  onLog(level: LogLevel, message: string, data?: unknown): void;
  /**
   * `onProgress` or `onLog` threw (a worker thread cannot send data that does not clone, such as a
   * function): the run goes on, and this says what was lost (`error`: the failure as text).
   */
  onReportFailed(report: FailedReport, error: string): void;
  /**
   * Resolves once the checkpoint is stored: the graph waits for it before the next node. Called after every
   * node but the last (the outcome is stored then).
   */
  onCheckpoint(checkpoint: StoredCheckpoint): Promise<void>;
  /**
   * The signal aborted while `nodeId` ran (the innermost node running; null between nodes): said at once,
   * since a run that ignores its abort may never say anything else before it is terminated.
   */
  onAbortedIn(nodeId: string | null): void;
}

/**
 * `metrics`: of every run of the task so far, this one included, bounded (task-metrics.ts). `resultBytes`:
 * the size of the result's JSON, measured where it is written (the worker holds it to MAX_RESULT_BYTES).
 */
export type WorkflowRunOutcome =
  | {
      kind: 'completed';
      result: unknown;
      resultBytes: number;
      artifacts: ProducedArtifact[];
      metrics: RunMetrics;
    }
  | { kind: 'aborted'; metrics: RunMetrics }
  /** `metrics` null: the run's thread died with them (its last checkpoint has the latest there are). */
  | { kind: 'failed'; error: TaskError; retriable: boolean; metrics: RunMetrics | null }
  /** The graph waits: `checkpoint.waiting` says where, `wait` for what; the task holds nothing until then. */
  | { kind: 'suspended'; wait: WaitRequest; checkpoint: StoredCheckpoint; metrics: RunMetrics };

/**
 * Builds the workflow's graph and runs it; the same code runs in a worker thread and inline. Never throws:
 * every outcome is a value, so it crosses a thread boundary intact.
 */
export async function runWorkflow(
  catalog: WorkflowCatalog,
  request: WorkflowRunRequest,
  hooks: WorkflowRunHooks,
  services?: RunServicesFactory,
): Promise<WorkflowRunOutcome> {
  const metrics = taskMetricsLog(
    laterMetrics(request.metrics ?? null, metricsOfCheckpoint(request.checkpoint)),
  );
  // A report that cannot be passed on must not fail the run; the worker says what was lost instead.
  const passOn =
    <A extends unknown[]>(report: FailedReport, send: (...args: A) => void) =>
    (...args: A): void => {
      try {
        send(...args);
      } catch (error) {
        hooks.onReportFailed(
          report,
          error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        );
      }
    };
  // Steps end innermost first: this run's first failed step is the node that failed, not a graph around it.
  let failedNodeId: string | null = null;
  // Node steps started and not yet ended, outermost first: the last is the node the run is in.
  const runningNodeIds: string[] = [];
  hooks.signal.addEventListener('abort', () => hooks.onAbortedIn(runningNodeIds.at(-1) ?? null), {
    once: true,
  });
  const workflow = catalog.get(request.workflow);
  if (!workflow) {
    return failed(
      { code: 'UNKNOWN_WORKFLOW', message: `workflow "${request.workflow}" is not in this worker's catalog` },
      false,
      metrics.snapshot(),
    );
  }
  const params = workflow.params.safeParse(request.params);
  if (!params.success) {
    // Rules a JSON Schema cannot state (refinements) first fail here; said as submit says its own.
    const message = paramsMismatch(workflow.name, issuesOf(params.error, 'params'));
    return failed({ code: 'INVALID_PARAMS', message }, false, metrics.snapshot());
  }
  try {
    const graph = workflow.graph(params.data, {
      taskId: request.taskId,
      owner: request.owner,
      attempt: request.attempt,
      dependencyResults: request.dependencyResults ?? {},
    });
    const stored = request.checkpoint;
    // A checkpoint that waits without a resume value (a failed task retried by hand): the waiting node
    // runs again from its start and asks for a fresh wait (a new deadline).
    const waiting = request.resumeWith ? (stored?.waiting ?? null) : null;
    const resume =
      waiting && request.resumeWith ? await parseResume(workflow, request.resumeWith, waiting) : null;
    if (resume && !resume.ok) return failed(resume.error, false, metrics.snapshot());
    const resumeFrom: Checkpoint<Record<string, unknown>> | undefined = stored
      ? {
          nextNodeId: stored.nextNodeId,
          shared: stored.shared,
          // The engine reads either: checkpoints written before `completedSteps` list the completed nodes.
          completedSteps: stored.completedSteps,
          lastNodeId: stored.lastNodeId,
          completedNodeIds: stored.completedNodeIds,
          lastAction: stored.lastAction ?? null,
          waiting,
        }
      : undefined;
    const run = await graph.run(
      {},
      {
        signal: hooks.signal,
        params: {
          attempt: request.attempt,
          task_id: request.taskId,
          owner: request.owner,
          dependency_results: request.dependencyResults ?? {},
          ...(services ? { services: services({ taskId: request.taskId, owner: request.owner }) } : {}),
        },
        ...(resumeFrom ? { resumeFrom } : {}),
        ...(resume ? { resumeWith: resume.value } : {}),
        ...(request.progressFrom == null ? {} : { progressFrom: request.progressFrom }),
        onProgress: passOn('progress', hooks.onProgress),
        // The engine's warnings reach onLog too: its logger is silenced so each is one log event, not two.
        // Listener failures, which it would tell only that logger, are caught before: see passOn.
        onLog: passOn('log', hooks.onLog),
        onStepStart: (nodeId) => runningNodeIds.push(nodeId),
        onMetric: (metric) => {
          const running = runningNodeIds.lastIndexOf(metric.node_id);
          if (running >= 0) runningNodeIds.splice(running, 1);
          metrics.add(metric);
          if (failedNodeId === null && metric.outcome === 'error') failedNodeId = metric.node_id;
        },
        logger: { warn: () => {} },
        // After the last node the outcome itself is stored, so its checkpoint would only be overwritten: it is
        // not copied, nor sent across from a worker thread.
        onCheckpoint: (checkpoint) =>
          checkpoint.nextNodeId === null
            ? undefined
            : hooks.onCheckpoint({
                nextNodeId: checkpoint.nextNodeId,
                // The engine hands the live store: copy it now, the next node will change it.
                shared: JSON.parse(JSON.stringify(checkpoint.shared ?? {})) as Record<string, unknown>,
                completedSteps: checkpoint.completedSteps ?? 0,
                lastNodeId: checkpoint.lastNodeId ?? null,
                completedNodeIds: checkpoint.completedNodeIds ?? [],
                lastAction: checkpoint.lastAction ?? null,
                ...checkpointMetrics(metrics.snapshot()),
              }),
      },
    );
    if (run.outcome === 'suspended') {
      const { checkpoint } = run;
      const taskMetrics = metrics.snapshot();
      return {
        kind: 'suspended',
        wait: run.wait,
        checkpoint: JSON.parse(
          JSON.stringify({
            nextNodeId: checkpoint.nextNodeId,
            shared: checkpoint.shared ?? {},
            completedSteps: checkpoint.completedSteps ?? 0,
            lastNodeId: checkpoint.lastNodeId ?? null,
            completedNodeIds: checkpoint.completedNodeIds ?? [],
            lastAction: checkpoint.lastAction ?? null,
            waiting: checkpoint.waiting,
            ...checkpointMetrics(taskMetrics),
          }),
        ) as StoredCheckpoint,
        metrics: taskMetrics,
      };
    }
    const shared = (run.shared ?? {}) as Record<string, unknown>;
    const artifacts = artifactsOf(shared.artifacts);
    const result = shared.result === undefined ? null : shared.result;
    const mismatch = workflow.result ? resultMismatch(workflow.result, result, run.unwiredEnd) : null;
    if (mismatch) return failed(mismatch, false, metrics.snapshot());
    const json = JSON.stringify(result);
    return {
      kind: 'completed',
      result: JSON.parse(json),
      resultBytes: resultBytes(json),
      artifacts,
      metrics: metrics.snapshot(),
    };
  } catch (error) {
    if (error instanceof AbortedError || hooks.signal.aborted) {
      return { kind: 'aborted', metrics: metrics.snapshot() };
    }
    const err = error instanceof Error ? error : new Error(String(error));
    return failed(
      {
        code: taskErrorCodeOf(err),
        message:
          err instanceof ResumeMismatchError ? resumeMismatchMessage(err, request.workflow) : err.message,
        stack: err.stack ?? null,
        node_id: failedNodeId,
      },
      !isNonRetriable(err),
      metrics.snapshot(),
    );
  }
}

/**
 * A checkpoint of another build's graph: a deploy changed the workflow's nodes but not its params, result,
 * signals or defaults, so it kept the version, and this build took a task of the old graph. Says so, and
 * what keeps such tasks on the old build's workers.
 */
function resumeMismatchMessage(error: ResumeMismatchError, workflow: string): string {
  return `${error.message}. The task's checkpoint comes from a build of workflow "${workflow}" whose graph differs from this one under the same version (a version changes with the params, result, signals and defaults, not with the nodes): declare a new \`version\` in its definition when you change its nodes, so that tasks of the old graph stay on the workers that run it`;
}

function failed(error: TaskError, retriable: boolean, metrics: RunMetrics): WorkflowRunOutcome {
  return { kind: 'failed', error, retriable, metrics };
}

/**
 * The task error codes a workflow's own errors may carry: the engine's WaitTimeoutError and
 * ChildTasksFailedError, the workflows' WorkflowInputError. The others (TIMEOUT, CANCELLED, WORKER_LOST...)
 * say what the service itself did, so a thrown error never claims them.
 */
const WORKFLOW_ERROR_CODES: readonly TaskErrorCode[] = [
  'WAIT_TIMEOUT',
  'CHILD_FAILED',
  'INVALID_PARAMS',
  'NOT_FOUND',
];

function taskErrorCodeOf(error: Error): string {
  const code = (error as { code?: unknown }).code;
  return (WORKFLOW_ERROR_CODES as readonly unknown[]).includes(code) ? (code as string) : 'WORKFLOW_ERROR';
}

function artifactsOf(value: unknown): ProducedArtifact[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item): ProducedArtifact[] => {
    if (typeof item !== 'object' || item === null) return [];
    const { name, content_type, content, encoding } = item as Record<string, unknown>;
    if (typeof name !== 'string' || typeof content !== 'string') return [];
    return [
      {
        name,
        content_type: typeof content_type === 'string' ? content_type : 'application/octet-stream',
        content,
        encoding: encoding === 'base64' ? 'base64' : 'utf8',
      },
    ];
  });
}
