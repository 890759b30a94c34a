import { NODE_METRICS_KEPT, type NodeMetricTotals, REST_PATHS, type TaskView } from '@kaygraph/contracts';
import { describe, expect, test } from 'vitest';
import { buildOpenApiDocument } from '../src/openapi.ts';
import { useTestServer } from './harness.ts';
import { postJson, requestJson, waitForTerminal } from './http-helpers.ts';
import { createOpenApiChecker } from './openapi-check.ts';

/**
 * A graph that loops runs one step per node per turn without end: what `GET /tasks/{id}` shows of them
 * stays bounded (the most recent steps one by one, the others counted), and the totals stay exact across
 * the runs of a task (a wait, a retry resuming from the checkpoint).
 */
const server = useTestServer({
  workflowsModule: new URL('./fixtures/looping-catalog.ts', import.meta.url).href,
});
const check = createOpenApiChecker(buildOpenApiDocument());

async function submitLoop(params: Record<string, unknown>, options: Record<string, unknown> = {}) {
  const answer = await postJson(`${server.url}/tasks`, { workflow: 'loop', params, ...options });
  expect(answer.status).toBe(202);
  return (answer.body as { task_id: string }).task_id;
}

async function getTask(taskId: string): Promise<{ view: TaskView; bytes: number }> {
  const response = await fetch(`${server.url}/tasks/${taskId}`);
  const text = await response.text();
  const view = JSON.parse(text) as TaskView;
  check('GET', REST_PATHS.task, response.status, view);
  return { view, bytes: Buffer.byteLength(text) };
}

async function waitForStatus(taskId: string, status: TaskView['status']): Promise<void> {
  for (;;) {
    const answer = await requestJson(`${server.url}/tasks/${taskId}`);
    if ((answer.body as TaskView).status === status) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The counted figures of each node (durations vary from run to run). */
function counts(totals: NodeMetricTotals[] | null) {
  return (totals ?? []).map(({ node_id, runs, attempts, outcomes, last_action }) => ({
    node_id,
    runs,
    attempts,
    outcomes,
    last_action,
  }));
}

const outcomes = (fields: Partial<NodeMetricTotals['outcomes']>) => ({
  ok: 0,
  fallback: 0,
  error: 0,
  swallowed: 0,
  aborted: 0,
  ...fields,
});

/** The per-node totals of the nested loop graph after `turns` turns: decide, act, and the graph itself. */
function loopTotals(turns: number) {
  return [
    {
      node_id: 'decide',
      runs: turns + 1,
      attempts: turns + 1,
      outcomes: outcomes({ ok: turns + 1 }),
      last_action: 'done',
    },
    {
      node_id: 'act',
      runs: turns,
      attempts: turns,
      outcomes: outcomes({ ok: turns }),
      last_action: 'default',
    },
    { node_id: 'loop', runs: 1, attempts: 0, outcomes: outcomes({ ok: 1 }), last_action: 'done' },
  ];
}

describe('node metrics of a graph that loops', () => {
  test('50,000 turns: the last steps listed, the rest counted, every node summed exactly', async () => {
    const turns = 50_000;
    const taskId = await submitLoop({ turns });
    expect(await waitForTerminal(server.url, taskId)).toBe('completed');

    const { view, bytes } = await getTask(taskId);
    // decide runs once per turn and once more to leave; the nested graph `loop` and `finish` once each.
    const steps = turns + 1 + turns + 1 + 1;
    expect(view.metrics).toHaveLength(NODE_METRICS_KEPT);
    expect(view.metrics_omitted).toBe(steps - NODE_METRICS_KEPT);
    expect(view.metrics?.slice(-3).map((metric) => [metric.node_id, metric.action])).toEqual([
      ['decide', 'done'],
      ['loop', 'done'],
      ['finish', 'default'],
    ]);
    expect(counts(view.metrics_by_node)).toEqual([
      ...loopTotals(turns),
      { node_id: 'finish', runs: 1, attempts: 1, outcomes: outcomes({ ok: 1 }), last_action: 'default' },
    ]);
    for (const node of view.metrics_by_node ?? []) {
      expect(node.max_duration_ms).toBeLessThanOrEqual(node.total_duration_ms);
    }
    // The answer no longer grows with the loop: about a hundred bytes per listed step.
    expect(bytes).toBeLessThan(NODE_METRICS_KEPT * 200);
  });

  test('a few turns: every step listed, nothing omitted', async () => {
    const taskId = await submitLoop({ turns: 2 });
    expect(await waitForTerminal(server.url, taskId)).toBe('completed');
    const { view } = await getTask(taskId);
    expect(view.metrics_omitted).toBe(0);
    expect(view.metrics?.map((metric) => metric.node_id)).toEqual([
      'decide',
      'act',
      'decide',
      'act',
      'decide',
      'loop',
      'finish',
    ]);
    expect(counts(view.metrics_by_node).map((node) => [node.node_id, node.runs])).toEqual([
      ['decide', 3],
      ['act', 2],
      ['loop', 1],
      ['finish', 1],
    ]);
  });

  test('the counts carry over a wait and a retry that resume from the checkpoint', async () => {
    const turns = 2_000;
    // Attempt 1 loops and waits at `gate`; attempt 2 resumes there and fails in `finish`; attempt 3 resumes
    // from the checkpoint after `gate` and completes.
    const taskId = await submitLoop(
      { turns, wait: true, fail_on_attempt: 2 },
      { max_retries: 1, retry_delay: 0 },
    );
    await waitForStatus(taskId, 'waiting');
    const waiting = (await getTask(taskId)).view;
    const before = 2 * turns + 1 + 1 + 1;
    expect(waiting.metrics).toHaveLength(NODE_METRICS_KEPT);
    expect(waiting.metrics_omitted).toBe(before - NODE_METRICS_KEPT);
    expect(waiting.metrics?.at(-1)).toMatchObject({ node_id: 'gate', action: null });

    const signal = await postJson(`${server.url}/tasks/${taskId}/signals/go`, {});
    expect(signal.status).toBe(200);
    expect(await waitForTerminal(server.url, taskId)).toBe('completed');

    const { view } = await getTask(taskId);
    expect(view.attempt).toBe(3);
    const steps = before + 1 + 1 + 1; // gate's resumed part, finish failing, finish again
    expect(view.metrics).toHaveLength(NODE_METRICS_KEPT);
    expect(view.metrics_omitted).toBe(steps - NODE_METRICS_KEPT);
    expect(view.metrics?.slice(-3).map((metric) => [metric.node_id, metric.outcome])).toEqual([
      ['gate', 'ok'],
      ['finish', 'error'],
      ['finish', 'ok'],
    ]);
    expect(counts(view.metrics_by_node)).toEqual([
      ...loopTotals(turns),
      { node_id: 'gate', runs: 2, attempts: 1, outcomes: outcomes({ ok: 2 }), last_action: 'default' },
      {
        node_id: 'finish',
        runs: 2,
        attempts: 2,
        outcomes: outcomes({ ok: 1, error: 1 }),
        last_action: 'default',
      },
    ]);
  });
});
