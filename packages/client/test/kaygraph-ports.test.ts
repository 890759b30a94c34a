import { startTestServer, type TestServer } from '@kaygraph/api/testing';
import type { TaskEvent } from '@kaygraph/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Workflows } from '../../../examples/kaygraph-ports/workflows.ts';
import { createClient } from '../src/index.ts';

/**
 * KayGraph graphs ported to tasks (examples/kaygraph-ports), run by a real api and worker and followed
 * with the typed client: what their author sees in results, events, metrics and errors.
 */
let server: TestServer;

beforeAll(async () => {
  const module = new URL('../../../examples/kaygraph-ports/workflows.ts', import.meta.url);
  server = await startTestServer({ workflowsModule: module.pathname });
});
afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
});

type Client = ReturnType<typeof createClient<Workflows>>;

/** Follows a task to its end; `during` may act on it (cancel, signal) while the events come in. */
async function follow(client: Client, taskId: string, during?: (events: TaskEvent[]) => Promise<void>) {
  const events: TaskEvent[] = [];
  const acting = during?.(events);
  for await (const event of client.watch(taskId)) events.push(event);
  await acting;
  const task = await client.tasks.get.query({ task_id: taskId });
  const logs = events.flatMap((event) => (event.type === 'log' ? [`${event.level}: ${event.message}`] : []));
  return { task, events, logs };
}

async function until(events: TaskEvent[], seen: (event: TaskEvent) => boolean): Promise<void> {
  while (!events.some(seen)) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('an agent loop: decide -> search -> decide ... -> answer', () => {
  it('loops by action until it answers, each step in the metrics', async () => {
    using client = createClient<Workflows>({ url: server.url });
    const { task_id } = await client.submit({
      workflow: 'port_agent_loop',
      params: {
        question: 'what is it?',
        knowledge: [
          { topic: 'basics', text: 'a fact' },
          { topic: 'deep', text: 'answer: 42' },
          { topic: 'more', text: 'noise' },
        ],
      },
    });
    const { task, logs } = await follow(client, task_id);
    expect(task).toMatchObject({
      status: 'completed',
      result: { answer: 'deep: answer: 42', searches: 2 },
    });
    expect(task.metrics?.map((metric) => `${metric.node_id}->${metric.action}`)).toEqual([
      'ask->default',
      'decide->search',
      'search->decide',
      'decide->search',
      'search->decide',
      'decide->answer',
      'answer->done',
    ]);
    expect(logs).toEqual(['info: searching for basics', 'info: searching for deep']);
  });

  it('ends on an action without an edge with one warning naming it', async () => {
    using client = createClient<Workflows>({ url: server.url });
    const { task_id } = await client.submit({
      workflow: 'port_agent_loop',
      params: { question: 'q', knowledge: [], stray_action: 'reflect' },
    });
    const { task, logs } = await follow(client, task_id);
    expect(task.status).toBe('failed');
    expect(task.error?.message).toMatch(
      /^graph ended at node "decide" on action "reflect", which has no edge; its result does not match the workflow's result schema: /,
    );
    expect(logs).toEqual([
      'warn: Graph ends: node "decide" returned action "reflect", which has no edge (edges: "search", "answer")',
    ]);
  });
});

describe('map-reduce: a BatchNode inside a BatchGraph over params sets', () => {
  it("maps each document with the graph's own params, each node and set with its own params copy", async () => {
    using client = createClient<Workflows>({ url: server.url });
    const { task_id } = await client.submit({
      workflow: 'port_map_reduce',
      params: { documents: { one: 'a b c d e f g', two: 'h i j k' }, chunk_words: 3 },
    });
    const { task } = await follow(client, task_id);
    expect(task).toMatchObject({
      status: 'completed',
      result: {
        summaries: {
          one: ['3 words from "a"', '3 words from "d"', '1 words from "g"'],
          two: ['3 words from "h"', '1 words from "k"'],
        },
        total_words: 11,
        // summarize_chunks wrote params.note in each set: neither the next node nor the next set saw it.
        params_seen: ['one:-', 'one:-', 'two:-', 'two:-'],
      },
    });
    const batches = task.metrics?.filter((metric) => metric.node_id === 'summarize_chunks');
    expect(batches?.map((metric) => metric.attempts)).toEqual([3, 2]);
  });
});

describe('a nested graph with its own outer edges', () => {
  it('shares the store with the outer graph, and its last action picks the outer edge', async () => {
    using client = createClient<Workflows>({ url: server.url });
    const shipped = await follow(
      client,
      (await client.submit({ workflow: 'port_nested_graph', params: { sku: ' ab-1 ', quantity: 2 } }))
        .task_id,
    );
    expect(shipped.task.result).toEqual({
      outcome: 'shipped',
      order: { sku: 'AB-1', quantity: 2 },
      audit: ['received', 'validated'],
    });
    expect(shipped.task.metrics?.map((metric) => metric.node_id)).toEqual([
      'receive',
      'audit',
      'check',
      'normalize',
      'validate',
      'audit',
      'shipped',
    ]);

    const rejected = await follow(
      client,
      (await client.submit({ workflow: 'port_nested_graph', params: { sku: 'ab-1', quantity: 0 } })).task_id,
    );
    expect(rejected.task.result).toEqual({ outcome: 'rejected', order: null, audit: ['received'] });
    // 'invalid' left the nested graph through its own edge: meant, so no warning.
    expect(rejected.logs).toEqual([]);
  });
});

describe('retries with a wait, then the fallback', () => {
  it('falls back after the last attempt; without a fallback the error names the node', async () => {
    using client = createClient<Workflows>({ url: server.url });
    const fellBack = await follow(
      client,
      (await client.submit({ workflow: 'port_retry_fallback', params: { failures: 5 } })).task_id,
    );
    expect(fellBack.task).toMatchObject({
      status: 'completed',
      result: { calls: 3, fell_back: true, value: 'cached value (upstream answered 503 (call 3))' },
      metrics: [{ node_id: 'fetch', attempts: 3, outcome: 'fallback' }],
    });
    expect(fellBack.logs).toEqual(['info: attempt 1', 'info: attempt 2', 'info: attempt 3']);

    const failed = await follow(
      client,
      (await client.submit({ workflow: 'port_retry_fallback', params: { failures: 5, fallback: false } }))
        .task_id,
    );
    expect(failed.task).toMatchObject({
      status: 'failed',
      error: {
        code: 'WORKFLOW_ERROR',
        message: 'upstream answered 503 (call 3)',
        node_id: 'fetch',
        attempt: 1,
      },
      metrics: [{ node_id: 'fetch', attempts: 3, outcome: 'error' }],
    });
  });

  it('does not retry a failing prep or post', async () => {
    using client = createClient<Workflows>({ url: server.url });
    for (const [failIn, attempts] of [
      ['prep', 0],
      ['post', 1],
    ] as const) {
      const { task } = await follow(
        client,
        (await client.submit({ workflow: 'port_retry_fallback', params: { failures: 0, fail_in: failIn } }))
          .task_id,
      );
      expect(task).toMatchObject({
        status: 'failed',
        error: {
          message: `${failIn} could not ${failIn === 'prep' ? 'read' : 'write'} the store`,
          node_id: 'fetch',
        },
        metrics: [{ node_id: 'fetch', attempts, outcome: 'error' }],
      });
    }
  });

  it('is cancelled in its retry wait', async () => {
    using client = createClient<Workflows>({ url: server.url });
    const { task_id } = await client.submit({
      workflow: 'port_retry_fallback',
      params: { failures: 5, wait_ms: 600_000 },
    });
    const { task, logs } = await follow(client, task_id, async (events) => {
      await until(events, (event) => event.type === 'log' && event.message === 'attempt 1');
      await client.tasks.cancel.mutate({ task_id });
    });
    expect(task).toMatchObject({ status: 'cancelled', error: { code: 'CANCELLED' } });
    expect(logs).toEqual(['info: attempt 1']);
  });
});

describe('a parallel async batch', () => {
  it('keeps at most `concurrency` items in flight and the results in item order', async () => {
    using client = createClient<Workflows>({ url: server.url });
    const items = [50, 10, 40, 10, 30, 10, 20].map((delay_ms, index) => ({ name: `p${index}`, delay_ms }));
    const { task } = await follow(
      client,
      (await client.submit({ workflow: 'port_parallel_batch', params: { items, concurrency: 3 } })).task_id,
    );
    expect(task).toMatchObject({
      status: 'completed',
      result: { pages: items.map((item) => `page ${item.name}`), most_in_flight: 3 },
      metrics: [{ node_id: 'fetch_all', attempts: 7, outcome: 'ok' }],
    });
  });

  it('is cancelled in the middle of the batch', async () => {
    using client = createClient<Workflows>({ url: server.url });
    const items = [10, 10, 600_000, 600_000, 600_000].map((delay_ms, index) => ({
      name: `p${index}`,
      delay_ms,
    }));
    const { task_id } = await client.submit({
      workflow: 'port_parallel_batch',
      params: { items, concurrency: 2 },
    });
    const { task } = await follow(client, task_id, async (events) => {
      await until(events, (event) => event.type === 'progress' && event.progress > 0);
      await client.tasks.cancel.mutate({ task_id });
    });
    expect(task).toMatchObject({ status: 'cancelled', error: { code: 'CANCELLED' } });
  });
});

describe('progress, logs and a signal', () => {
  it('reports the node progress and logs, waits for the signal, and its payload picks the edge', async () => {
    using client = createClient<Workflows>({ url: server.url });
    const events: TaskEvent[] = [];
    const outcome = await client.submitAndWait(
      { workflow: 'port_approval', params: { sections: ['intro', 'body'] } },
      {
        onEvent: (event) => events.push(event),
        onWaiting: (event) => {
          void client.signal(event.task_id, 'approval', { approved: true, note: 'ship it' });
        },
      },
    );
    expect(outcome).toMatchObject({
      status: 'completed',
      result: { outcome: 'published', draft: '## intro\n## body', note: 'ship it' },
    });
    // Progress is coalesced (at most one event per 100 ms), but what stood when the task began to wait is
    // written: the draft's whole share (a third of three steps), and the step it waits in.
    const waitingAt = events.findIndex((event) => event.type === 'waiting');
    const lastProgress = events.slice(0, waitingAt).findLast((event) => event.type === 'progress');
    expect(lastProgress).toMatchObject({ progress: 33.3, step: 'Wait for approval' });
    expect(events.flatMap((event) => (event.type === 'log' ? [event.message] : []))).toEqual([
      'section 1 of 2 written',
      'section 2 of 2 written',
      'published',
    ]);
    expect(events[waitingAt]).toMatchObject({
      wait: { kind: 'signal', signal: 'approval', node_id: 'await_approval' },
    });
  });
});
