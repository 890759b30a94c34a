import { MetricsSnapshot, REST_PATHS } from '@kaygraph/contracts';
import { connect } from '@kaygraph/db';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildOpenApiDocument } from '../src/openapi.ts';
import { bearer, openKeyStore, submitWithKey } from './auth-keys.ts';
import { startTestServer, type TestServer } from './harness.ts';
import { requestJson, waitForProgress, waitForTerminal } from './http-helpers.ts';
import { createOpenApiChecker } from './openapi-check.ts';

/**
 * GET /metrics and the metrics procedure on a real queue: two completed and one failed task, two
 * running, two waiting (the worker runs two at a time). Expected figures come from the tasks
 * table itself, never from constants.
 */
let server: TestServer;
const ids: Record<string, string> = {};

function submit(body: unknown, key?: string): Promise<string> {
  return submitWithKey(server.url, key, body);
}

/** What Prometheus 2.x sends when it scrapes. */
const PROMETHEUS_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,' +
  'text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

/** Every answer of /metrics is checked against the OpenAPI document (status and JSON body). */
const check = createOpenApiChecker(buildOpenApiDocument());

async function metricsJson(key?: string) {
  const answer = await requestJson(`${server.url}/metrics`, {
    headers: { accept: 'application/json', ...bearer(key) },
  });
  check('GET', REST_PATHS.metrics, answer.status, answer.body);
  return answer;
}

async function prometheusText(key?: string): Promise<{ status: number; type: string | null; text: string }> {
  const response = await fetch(`${server.url}/metrics`, {
    headers: { accept: PROMETHEUS_ACCEPT, ...bearer(key) },
  });
  const text = await response.text();
  // The 200 is text/plain (its content type is checked by openapi.test.ts); errors are ErrorBody JSON.
  if (response.status >= 400) check('GET', REST_PATHS.metrics, response.status, JSON.parse(text));
  return { status: response.status, type: response.headers.get('content-type'), text };
}

beforeAll(async () => {
  server = await startTestServer({ operations: { authCacheMs: 50 } });
  ids.echo1 = await submit({ workflow: 'echo', params: { value: 'a' } });
  ids.echo2 = await submit({ workflow: 'echo', params: { value: 'b' } });
  ids.failed = await submit({ workflow: 'steps', params: { steps: 1, delay_ms: 1, fail: true } });
  for (const id of [ids.echo1, ids.echo2, ids.failed]) await waitForTerminal(server.url, id ?? '');
  ids.long1 = await submit({ workflow: 'steps', params: { steps: 200, delay_ms: 100 } });
  ids.long2 = await submit({ workflow: 'steps', params: { steps: 200, delay_ms: 100 } });
  for (const id of [ids.long1, ids.long2])
    await waitForProgress(server.url, id ?? '', (v) => v.status === 'running');
  ids.waiting1 = await submit({ workflow: 'echo', params: { value: 'c' }, priority: 'high' });
  ids.waiting2 = await submit({ workflow: 'echo', params: { value: 'd' }, priority: 'high' });
});

afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
});

describe('GET /metrics, Accept: application/json', () => {
  test("the spec's fields, breakdowns per workflow and priority, and queue depth", async () => {
    const answer = await metricsJson();
    expect(answer.status).toBe(200);
    const snapshot = MetricsSnapshot.parse(answer.body);
    expect(snapshot).toMatchObject({
      tasks_running: 2,
      tasks_pending: 2,
      queue_depth: 2,
      tasks_completed: 2,
      tasks_failed: 1,
      error_rate: Math.round((1 / 3) * 10_000) / 10_000,
      scope: 'all',
      window_seconds: 3600,
    });
    expect(snapshot.by_workflow.echo).toMatchObject({ tasks_completed: 2, queue_depth: 2, tasks_failed: 0 });
    expect(snapshot.by_workflow.steps).toMatchObject({ tasks_running: 2, tasks_failed: 1, error_rate: 1 });
    expect(snapshot.by_priority.high).toMatchObject({ queue_depth: 2, tasks_running: 0 });
    expect(snapshot.by_priority.normal).toMatchObject({ tasks_running: 2, tasks_completed: 2 });

    const { sql, close } = connect(server.databaseUrl, { max: 1 });
    try {
      const [row] = await sql<{ avg: number }[]>`
        select avg(extract(epoch from completed_at - started_at))::float8 as avg
        from tasks where status = 'completed'`;
      expect(snapshot.avg_duration).toBeCloseTo(Number(row?.avg), 3);
    } finally {
      await close();
    }
  });

  test('the metrics procedure answers the same snapshot over tRPC', async () => {
    const answer = await requestJson(`${server.url}/trpc/metrics`);
    expect(answer.status).toBe(200);
    const snapshot = MetricsSnapshot.parse((answer.body as { result: { data: unknown } }).result.data);
    expect(snapshot).toMatchObject({ tasks_completed: 2, tasks_failed: 1, queue_depth: 2 });
  });
});

describe('GET /metrics content negotiation', () => {
  test("curl, Python and browsers (no Accept, */*, text/html) get the spec's JSON", async () => {
    for (const accept of [undefined, '*/*', 'text/html,*/*;q=0.8', 'text/plain']) {
      const response = await fetch(`${server.url}/metrics`, { headers: accept ? { accept } : {} });
      expect(response.headers.get('content-type'), accept).toMatch(/^application\/json/);
      MetricsSnapshot.parse(await response.json());
    }
  });

  test('Prometheus text for text/plain;version=0.0.4, OpenMetrics and ?format=prometheus', async () => {
    for (const [query, accept] of [
      ['', 'text/plain;version=0.0.4'],
      ['', 'application/openmetrics-text'],
      ['?format=prometheus', '*/*'],
    ] as const) {
      const response = await fetch(`${server.url}/metrics${query}`, { headers: { accept } });
      expect(response.headers.get('content-type'), accept).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(await response.text()).toContain('kaygraph_tasks_finished_total');
    }
  });
});

describe('GET /metrics, Prometheus text', () => {
  test('counters and histograms from the event feed, gauges from the queue, http counters', async () => {
    // The counters follow the LISTEN feed, which may trail the table by a moment.
    let answer = await prometheusText();
    while (
      !answer.text.includes('kaygraph_task_duration_seconds_count{workflow="echo",status="completed"} 2')
    ) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      answer = await prometheusText();
    }
    expect(answer.status).toBe(200);
    expect(answer.type).toMatch(/^text\/plain; version=0\.0\.4/);
    const { text } = answer;
    expect(text).toContain('# TYPE kaygraph_tasks_finished_total counter');
    // Every replica counts every task: the HELP says so, or a dashboard's sum() counts each task twice.
    for (const series of [
      'kaygraph_tasks_finished_total',
      'kaygraph_tasks_submitted_total',
      'kaygraph_queue_depth',
    ])
      expect(text).toMatch(new RegExp(`# HELP ${series} .*aggregate replicas with max, not sum`));
    expect(text).not.toMatch(/# HELP kaygraph_http_requests_total .*aggregate replicas with max/);
    expect(text).toContain('kaygraph_tasks_finished_total{workflow="echo",status="completed"} 2');
    expect(text).toContain('kaygraph_tasks_finished_total{workflow="steps",status="failed"} 1');
    expect(text).toContain('kaygraph_tasks_submitted_total{workflow="echo"} 4');
    expect(text).toContain('# TYPE kaygraph_task_duration_seconds histogram');
    expect(text).toContain('kaygraph_queue_depth{workflow="echo"} 2');
    expect(text).toContain('kaygraph_queue_depth_by_priority{priority="high"} 2');
    expect(text).toContain('kaygraph_tasks_running{workflow="steps"} 2');
    expect(text).toMatch(/kaygraph_http_requests_total\{method="POST",route="\/tasks",status="202"\} \d+/);
    expect(text).toContain('kaygraph_process_cpu_seconds_total');
  });

  test('task counters start at 0 for every registered workflow, so increase() sees its first failure', async () => {
    const { text } = await prometheusText();
    // No echo task failed or was retried, and no approval task was ever submitted: the series are there at 0.
    expect(text).toContain('kaygraph_tasks_finished_total{workflow="echo",status="failed"} 0');
    expect(text).toContain('kaygraph_task_retries_total{workflow="echo"} 0');
    for (const status of ['completed', 'failed', 'cancelled'])
      expect(text).toContain(`kaygraph_tasks_finished_total{workflow="approval",status="${status}"} 0`);
    expect(text).toContain('kaygraph_tasks_submitted_total{workflow="approval"} 0');
    expect(text).toContain('kaygraph_tasks_started_total{workflow="approval"} 0');
    // Counted ones keep their counts.
    expect(text).toContain('kaygraph_tasks_finished_total{workflow="steps",status="failed"} 1');
  });
});

describe('metrics with API keys', () => {
  test('own tasks for a plain key, everything for admins, Prometheus for admins only, 401 without a key', async () => {
    await using store = openKeyStore(server.databaseUrl);
    const carol = await store.create('carol');
    const admin = await store.create('ops', { admin: true });
    // Creating the first key turns auth on (after the short cache of the decision).
    while ((await metricsJson()).status !== 401) await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await metricsJson()).body).toMatchObject({ code: 'UNAUTHORIZED' });

    ids.carols = await submit({ workflow: 'echo', params: { value: 'carol' } }, carol.key);
    const own = MetricsSnapshot.parse((await metricsJson(carol.key)).body);
    expect(own.scope).toBe('carol');
    expect(own.tasks_running).toBe(0);
    expect(own.tasks_completed + own.tasks_pending + own.tasks_running).toBe(1);

    const all = MetricsSnapshot.parse((await metricsJson(admin.key)).body);
    expect(all.scope).toBe('all');
    expect(all.tasks_running).toBe(2);

    const forbidden = await prometheusText(carol.key);
    expect(forbidden.status).toBe(403);
    const scraped = await prometheusText(admin.key);
    expect(scraped.status).toBe(200);
    expect(scraped.text).toContain('kaygraph_tasks_finished_total');
  });
});
