import { NODE_METRICS_KEPT } from '@kaygraph/contracts';
import { tasks } from '@kaygraph/db';
import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { StoredCheckpoint } from '../src/worker/run-workflow.ts';
import { catalog, LOOPING_WORKFLOWS_MODULE } from './fixtures/looping-workflows.ts';
import { alice, useSystemWithWorker, waitFor, waitForStatus } from './harness.ts';

/**
 * A graph that loops at its top level checkpoints after every step: what each checkpoint says of the steps
 * before it stays one size however long the loop ran, and checkpoints written before (which listed every
 * completed node) still resume.
 */
const harness = useSystemWithWorker(
  { concurrency: 2, workflowsModule: LOOPING_WORKFLOWS_MODULE },
  { catalog },
);

async function checkpointOf(taskId: string): Promise<StoredCheckpoint | null> {
  const [row] = await harness.system.context.db
    .select({ checkpoint: tasks.checkpoint })
    .from(tasks)
    .where(eq(tasks.id, taskId));
  return (row?.checkpoint as StoredCheckpoint | null) ?? null;
}

/** The checkpoint without the task's metrics (bounded on their own: task-metrics.ts). */
function position(checkpoint: StoredCheckpoint | null) {
  const { metrics: _metrics, metricsOmitted: _omitted, metricsByNode: _byNode, ...rest } = checkpoint ?? {};
  return rest;
}

/** The task once its attempt `attempt` has failed or completed (the loop runs in a worker thread). */
async function settled(taskId: string, attempt: number) {
  return waitFor(
    async () => {
      const view = await harness.system.tasks.get(alice, taskId);
      return view.attempt === attempt && (view.status === 'failed' || view.status === 'completed')
        ? view
        : undefined;
    },
    `attempt ${attempt} of task ${taskId} to settle`,
    120_000,
  );
}

describe('a graph looping at its top level, run as a task', () => {
  it('1,000 turns leave a checkpoint of one size, and a retry resumes from it without looping again', async () => {
    const { system } = harness;
    // 2,001 steps: twice the metrics kept, so anything a checkpoint kept per step would stand out.
    const turns = 1_000;
    const { task_id } = await system.tasks.submit(alice, {
      workflow: 'loop',
      params: { turns, top_level: true, fail_on_attempt: 1 },
    });
    const failed = await settled(task_id, 1);
    expect(failed.error?.message).toBe('finish fails on this attempt');

    // decide and act once per turn, then decide once more: the checkpoint written before `finish`.
    const steps = 2 * turns + 1;
    const stored = await checkpointOf(task_id);
    expect(position(stored)).toEqual({
      nextNodeId: 'finish',
      shared: { turns },
      completedSteps: steps,
      lastNodeId: 'decide',
      // For workers of the previous release, which spread it when they resume: the last node, not the list.
      completedNodeIds: ['decide'],
      lastAction: 'done',
    });
    expect(stored?.metrics).toHaveLength(NODE_METRICS_KEPT);
    expect(stored?.metricsOmitted).toBe(steps - NODE_METRICS_KEPT);
    const [{ bytes } = { bytes: 0 }] = await system.context.db.execute<{ bytes: number }>(
      sql`select octet_length(checkpoint::text) as bytes from tasks where id = ${task_id}`,
    );
    // The recent metrics make up nearly all of it: about 100 bytes a step.
    expect(bytes).toBeLessThan(NODE_METRICS_KEPT * 200);

    await system.tasks.retry(alice, task_id);
    const completed = await settled(task_id, 2);
    expect(completed.status).toBe('completed');
    expect((await system.tasks.result(alice, task_id)).result).toEqual({ turns });
    // The retry ran `finish` only: the loop's steps were counted once.
    const runs = Object.fromEntries(
      (completed.metrics_by_node ?? []).map((node) => [node.node_id, node.runs]),
    );
    expect(runs).toEqual({ decide: turns + 1, act: turns, finish: 2 });
  });

  it('a checkpoint written before the step count (every completed node listed) resumes and counts on', async () => {
    const { system } = harness;
    // Attempt 1 loops and waits at `gate`; attempt 2 resumes there and fails in `finish`; attempt 3 completes.
    const { task_id } = await system.tasks.submit(alice, {
      workflow: 'loop',
      params: { turns: 3, top_level: true, wait: true, fail_on_attempt: 2 },
    });
    await waitForStatus(system, alice, task_id, ['waiting']);
    const waiting = await checkpointOf(task_id);
    expect(position(waiting)).toMatchObject({ nextNodeId: 'gate', completedSteps: 7, lastNodeId: 'decide' });
    // As the release before stored it: the completed nodes listed, no count.
    expect(waiting?.completedNodeIds).toEqual(['decide']);
    const { completedSteps: _count, lastNodeId: _last, ...kept } = waiting ?? {};
    const old = { ...kept, completedNodeIds: ['decide', 'act', 'decide', 'act', 'decide', 'act', 'decide'] };
    await system.context.db.execute(
      sql`update tasks set checkpoint = ${JSON.stringify(old)}::jsonb where id = ${task_id}`,
    );

    await system.tasks.signal(alice, { task_id, name: 'go', payload: {} });
    expect((await settled(task_id, 2)).error?.message).toBe('finish fails on this attempt');
    // Written after `gate` by the resumed run: the count carried on from the list's length.
    expect(position(await checkpointOf(task_id))).toEqual({
      nextNodeId: 'finish',
      shared: { turns: 3 },
      completedSteps: 8,
      lastNodeId: 'gate',
      completedNodeIds: ['gate'],
      lastAction: 'default',
    });

    await system.tasks.retry(alice, task_id);
    expect((await settled(task_id, 3)).status).toBe('completed');
    expect((await system.tasks.result(alice, task_id)).result).toEqual({ turns: 3 });
  });
});
