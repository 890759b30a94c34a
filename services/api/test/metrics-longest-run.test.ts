import type { MetricsSnapshot, TaskView } from '@kaygraph/contracts';
import { expect, test } from 'vitest';
import { submitWithKey } from './auth-keys.ts';
import { startTestServer } from './harness.ts';
import { requestJson, waitForTerminal } from './http-helpers.ts';

/** A sample's value, or undefined when the series is not there. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function metricsJson(url: string): Promise<MetricsSnapshot> {
  const answer = await requestJson(`${url}/metrics`, { headers: { accept: 'application/json' } });
  expect(answer.status).toBe(200);
  return answer.body as MetricsSnapshot;
}

test('a task stuck in a node shows in /metrics as how long its current run has lasted', async () => {
  await using server = await startTestServer({ operations: {} });
  // Its first attempt fails at once; the retry, 2 s later, runs a long node (minutes): on-call's "stuck" task.
  const stuck = await submitWithKey(server.url, undefined, {
    workflow: 'steps',
    params: { steps: 200, delay_ms: 2000, fail_attempts: 1 },
    max_retries: 1,
    retry_delay: 2,
  });
  for (;;) {
    const view = (await requestJson(`${server.url}/tasks/${stuck}`)).body as TaskView;
    if (view.attempt === 2 && view.status === 'running') break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  const view = (await requestJson(`${server.url}/tasks/${stuck}`)).body as TaskView;
  const firstStart = Date.parse(view.started_at ?? '');

  const snapshot = await metricsJson(server.url);
  const steps = snapshot.by_workflow.steps;
  const sinceFirstStart = (Date.parse(snapshot.generated_at) - firstStart) / 1000;
  expect(steps?.tasks_running).toBe(1);
  // The current run only: the failed attempt and the retry's 2 s backoff before it are not counted.
  expect(steps?.longest_run_seconds).toBeGreaterThan(0);
  expect(steps?.longest_run_seconds).toBeLessThan(sinceFirstStart - 1.5);
  expect(snapshot.longest_run_seconds).toBe(steps?.longest_run_seconds);

  const text = await (await fetch(`${server.url}/metrics?format=prometheus`)).text();
  expect(text).toContain('# TYPE kaygraph_longest_run_seconds gauge');
  expect(sample(text, 'kaygraph_longest_run_seconds{workflow="steps"}')).toBeGreaterThan(0);

  // Cancelled, it runs no more: the figure goes back to 0.
  expect((await requestJson(`${server.url}/tasks/${stuck}`, { method: 'DELETE' })).status).toBe(200);
  expect(await waitForTerminal(server.url, stuck)).toBe('cancelled');
  expect((await metricsJson(server.url)).by_workflow.steps?.longest_run_seconds).toBe(0);
});
