import {
  NODE_METRICS_KEPT,
  type NodeMetric,
  type NodeMetricTotals,
  type TaskView,
} from '@kaygraph/contracts';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { alice, useSystemWithWorker, waitForStatus, waitForTerminal } from './harness.ts';

/**
 * A task's node metrics across its attempts: a retry continues the failed attempt's steps (not only the
 * checkpoint's), and tasks stored before the bound (every step in `metrics`, no totals) read bounded with
 * exact totals and resume that way.
 */
const harness = useSystemWithWorker({ concurrency: 2, pollIntervalMs: 200 });

function runsByNode(view: TaskView): [string, number, Partial<NodeMetricTotals['outcomes']>][] {
  return (view.metrics_by_node ?? []).map((node) => [
    node.node_id,
    node.runs,
    Object.fromEntries(Object.entries(node.outcomes).filter(([, count]) => count > 0)),
  ]);
}

describe('node metrics across attempts', () => {
  it('a retry resumes from the checkpoint and keeps the failed step in the metrics', async () => {
    const { system } = harness;
    const { task_id } = await system.tasks.submit(alice, {
      workflow: 'steps',
      params: { steps: 3, step_ms: 0, fail_attempts: 1, fail_step: 3 },
      max_retries: 1,
      retry_delay: 0,
    });
    expect(await waitForTerminal(system, alice, task_id)).toBe('completed');
    const view = await system.tasks.get(alice, task_id);
    expect(view.attempt).toBe(2);
    expect(view.metrics?.map((metric) => [metric.node_id, metric.outcome])).toEqual([
      ['step_1', 'ok'],
      ['step_2', 'ok'],
      ['step_3', 'error'],
      ['step_3', 'ok'],
      ['finish', 'ok'],
    ]);
    expect(view.metrics_omitted).toBe(0);
    expect(runsByNode(view)).toEqual([
      ['step_1', 1, { ok: 1 }],
      ['step_2', 1, { ok: 1 }],
      ['step_3', 2, { ok: 1, error: 1 }],
      ['finish', 1, { ok: 1 }],
    ]);
  });

  it('a finished task stored with every step (before the bound) reads bounded, its totals exact', async () => {
    const { system } = harness;
    const { task_id } = await system.tasks.submit(alice, { workflow: 'noop', params: {} });
    expect(await waitForTerminal(system, alice, task_id)).toBe('completed');
    const steps = 1_500;
    const legacy: NodeMetric[] = Array.from({ length: steps }, (_, index) => ({
      node_id: index % 3 === 2 ? 'act' : 'decide',
      duration_ms: index % 7,
      attempts: 1,
      outcome: index === steps - 1 ? 'swallowed' : 'ok',
      action: `turn_${index}`,
    }));
    await system.context.db.execute(sql`
      update tasks set metrics = ${JSON.stringify(legacy)}::jsonb, metrics_omitted = null, metrics_by_node = null
      where id = ${task_id}`);

    const view = await system.tasks.get(alice, task_id);
    expect(view.metrics).toEqual(legacy.slice(-NODE_METRICS_KEPT));
    expect(view.metrics_omitted).toBe(steps - NODE_METRICS_KEPT);
    const sum = (node: string, pick: (metric: NodeMetric) => number) =>
      legacy.filter((metric) => metric.node_id === node).reduce((total, metric) => total + pick(metric), 0);
    expect(view.metrics_by_node).toEqual([
      {
        node_id: 'decide',
        runs: 1_000,
        total_duration_ms: sum('decide', (metric) => metric.duration_ms),
        max_duration_ms: 6,
        attempts: 1_000,
        outcomes: { ok: 1_000, fallback: 0, error: 0, swallowed: 0, aborted: 0 },
        last_action: 'turn_1498',
      },
      {
        node_id: 'act',
        runs: 500,
        total_duration_ms: sum('act', (metric) => metric.duration_ms),
        max_duration_ms: 6,
        attempts: 500,
        outcomes: { ok: 499, fallback: 0, error: 0, swallowed: 1, aborted: 0 },
        last_action: 'turn_1499',
      },
    ]);
  });

  it('a task an older worker wrote after the totals reads its totals from the list, not stale ones', async () => {
    const { system } = harness;
    const { task_id } = await system.tasks.submit(alice, { workflow: 'noop', params: {} });
    expect(await waitForTerminal(system, alice, task_id)).toBe('completed');
    const first = await system.tasks.get(alice, task_id);
    const [ran] = first.metrics ?? [];
    if (!ran) throw new Error('the noop task recorded no step');
    // A worker of the release before (a rolling upgrade or a rollback) writes the whole list and leaves
    // the columns it does not know as the newer worker wrote them.
    const extra: NodeMetric = { node_id: 'later', duration_ms: 4, attempts: 2, outcome: 'ok', action: null };
    const written = [...(first.metrics ?? []), extra, extra];
    await system.context.db.execute(sql`
      update tasks set metrics = ${JSON.stringify(written)}::jsonb where id = ${task_id}`);

    const view = await system.tasks.get(alice, task_id);
    expect(view.metrics).toEqual(written);
    expect(view.metrics_omitted).toBe(0);
    expect(runsByNode(view)).toEqual([...runsByNode(first), ['later', 2, { ok: 2 }]]);
    expect(view.metrics_by_node?.at(-1)).toMatchObject({ total_duration_ms: 8, attempts: 4 });
  });

  it('a task waiting since before the bound resumes with totals over all its steps', async () => {
    const { system } = harness;
    const { task_id } = await system.tasks.submit(alice, { workflow: 'wait_signal', params: {} });
    await waitForStatus(system, alice, task_id, ['waiting']);
    // As the release before stored it: the steps in the checkpoint and the row, no totals.
    await system.context.db.execute(sql`
      update tasks set metrics_omitted = null, metrics_by_node = null,
        checkpoint = checkpoint - 'metricsOmitted' - 'metricsByNode'
      where id = ${task_id}`);
    const before = await system.tasks.get(alice, task_id);
    expect(runsByNode(before)).toEqual([
      ['before', 1, { ok: 1 }],
      ['await_approval', 1, { ok: 1 }],
    ]);

    await system.tasks.signal(alice, { task_id, name: 'approval', payload: { approved: true } });
    expect(await waitForTerminal(system, alice, task_id)).toBe('completed');
    const view = await system.tasks.get(alice, task_id);
    expect(view.metrics?.map((metric) => metric.node_id)).toEqual([
      'before',
      'await_approval',
      'await_approval',
      'approved',
    ]);
    expect(runsByNode(view)).toEqual([
      ['before', 1, { ok: 1 }],
      ['await_approval', 2, { ok: 2 }],
      ['approved', 1, { ok: 1 }],
    ]);
  });
});
