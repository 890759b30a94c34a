import { DomainError, type TaskWait } from '@kaygraph/contracts';
import type { StoredCheckpoint } from '../attempt-data.ts';
import type { WorkflowCatalog } from '../catalog.ts';
import type { TaskContext } from '../context.ts';
import type { Attempt } from '../store/claim.ts';
import { prepareAll } from '../submit/submit.ts';
import type { PreparedTask } from '../submit/validate-submit.ts';
import { failure } from './attempt-outcome.ts';
import { childVersions } from './child-versions.ts';
import type { PlannedChildren, PlannedOutcome } from './planned-outcome.ts';
import { planChildren } from './reused-children.ts';
import type { WorkflowRunOutcome } from './run-workflow.ts';

export type SuspendedRun = Extract<WorkflowRunOutcome, { kind: 'suspended' }>;

/** A wait the workflow asked for that cannot be made: the task fails without retries. */
class UnplannableWait extends Error {}

/**
 * What a run that suspended becomes: the wait as the task shows it (`TaskWait`), its timer, and its
 * child tasks, validated now so that the suspend transaction cannot fail on them. A wait the workflow
 * cannot make (an undeclared signal, a time PostgreSQL cannot store, more children than MAX_BATCH_SIZE, a
 * child with unknown workflow or bad params) fails the task, without
 * retries: running it again would ask for the same.
 */
export async function planWait(
  ctx: TaskContext,
  catalog: WorkflowCatalog,
  served: ReadonlyMap<string, string>,
  attempt: Attempt,
  run: SuspendedRun,
): Promise<PlannedOutcome> {
  const nodeId = nodeIdOf(run.checkpoint);
  const since = new Date().toISOString();
  const base = { kind: 'suspended' as const, attempt, checkpoint: run.checkpoint, metrics: run.metrics };
  try {
    const planned = await describeWait(ctx, catalog, served, attempt, run, nodeId, since);
    // A children wait's checkpoint names its children: a retry by hand reuses those that completed.
    const checkpoint =
      planned.wait.kind === 'children'
        ? { ...run.checkpoint, waitChildTaskIds: planned.wait.child_task_ids }
        : run.checkpoint;
    return { ...base, ...planned, checkpoint };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (!(error instanceof UnplannableWait)) {
      // The registry or the earlier children could not be read (a lost connection): the attempt ends as a
      // crash would, with retries.
      return failure(
        attempt,
        { code: 'WORKER_LOST', message: `the wait could not be planned: ${message}` },
        true,
        run.metrics,
      );
    }
    return {
      kind: 'failed',
      attempt,
      error: { code: 'WORKFLOW_ERROR', message, node_id: nodeId, attempt: attempt.attempt },
      metrics: run.metrics,
      retriable: false,
    };
  }
}

/** The waiting node: the innermost frame of the checkpoint's path. */
function nodeIdOf(checkpoint: StoredCheckpoint): string {
  const frames = checkpoint.waiting?.frames ?? [];
  return frames[frames.length - 1]?.nodeId ?? checkpoint.nextNodeId ?? '';
}

/** Times a wait may end at: what PostgreSQL and pg-boss store (years 1970 to 9999). */
const EARLIEST = Date.UTC(1970, 0, 1);
const LATEST = Date.UTC(10000, 0, 1) - 1;

/** The time a wait ends at, as a Date; a time outside the storable range cannot be waited for. */
function waitTime(iso: string, what: string, nodeId: string): Date {
  const at = new Date(iso);
  const time = at.getTime();
  if (!(time >= EARLIEST && time <= LATEST)) {
    throw new UnplannableWait(
      `node "${nodeId}" waits until ${iso} (its ${what}), outside the years 1970 to 9999`,
    );
  }
  return at;
}

/** `catalog`: the worker's own workflows (the code that suspended declares its signals). */
async function describeWait(
  ctx: TaskContext,
  catalog: WorkflowCatalog,
  served: ReadonlyMap<string, string>,
  attempt: Attempt,
  run: SuspendedRun,
  nodeId: string,
  since: string,
): Promise<{ wait: TaskWait; timerAt: Date | null; children?: PlannedChildren }> {
  const { wait } = run;
  const workflowName = attempt.workflow;
  switch (wait.kind) {
    case 'signal': {
      const workflow = catalog.get(workflowName);
      if (!workflow?.signals || !Object.hasOwn(workflow.signals, wait.name)) {
        throw new UnplannableWait(
          `node "${nodeId}" waits for the signal "${wait.name}", which workflow "${workflowName}" does not declare`,
        );
      }
      const schema = workflow.signalSchemas?.[wait.name] ?? {};
      return {
        wait: { kind: 'signal', node_id: nodeId, since, signal: wait.name, schema, deadline: wait.deadline },
        timerAt: wait.deadline === null ? null : waitTime(wait.deadline, 'deadline', nodeId),
      };
    }
    case 'sleep':
      return {
        wait: { kind: 'sleep', node_id: nodeId, since, until: wait.until },
        timerAt: waitTime(wait.until, 'sleep', nodeId),
      };
    case 'children': {
      if (wait.children.length > ctx.maxBatchSize) {
        throw new UnplannableWait(
          `node "${nodeId}" asks for ${wait.children.length} child tasks; at most ${ctx.maxBatchSize} per wait (the worker's MAX_BATCH_SIZE): run them over several waits`,
        );
      }
      let prepared: PreparedTask[];
      try {
        prepared = await prepareAll(
          ctx,
          wait.children.map((child) => ({ workflow: child.workflow, params: child.params })),
          undefined,
          childVersions(
            catalog,
            served,
            wait.children.map((child) => child.workflow),
          ),
        );
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        const where = error.issues?.[0]?.path;
        const detail = where ? ` (${where})` : '';
        throw new UnplannableWait(
          `node "${nodeId}" asked for child tasks that cannot run${detail}: ${error.message}`,
        );
      }
      const { ids, children } = await planChildren(ctx, attempt, run.checkpoint, prepared);
      return {
        wait: { kind: 'children', node_id: nodeId, since, child_task_ids: ids, finished: children.reused },
        timerAt: null,
        children,
      };
    }
  }
}
