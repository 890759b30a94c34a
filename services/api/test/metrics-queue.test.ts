import { expect, test } from 'vitest';
import { submitWithKey } from './auth-keys.ts';
import { startTestServer } from './harness.ts';
import { waitForProgress, waitForTerminal } from './http-helpers.ts';

/** The Prometheus text, once `ready` says the LISTEN feed has caught up with what the test did. */
async function scrape(url: string, ready: (text: string) => boolean): Promise<string> {
  for (;;) {
    const text = await (await fetch(`${url}/metrics?format=prometheus`)).text();
    if (ready(text)) return text;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A sample's value, or undefined when the series is not there. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('Prometheus answers what on-call asks: retries, how long the queue has waited, live workers', async () => {
  await using server = await startTestServer({ operations: {} });
  const submit = (body: unknown) => submitWithKey(server.url, undefined, body);

  // Fails, is retried once, fails again.
  const retried = await submit({
    workflow: 'steps',
    params: { steps: 1, delay_ms: 1, fail: true },
    max_retries: 1,
    retry_delay: 0,
  });
  expect(await waitForTerminal(server.url, retried)).toBe('failed');
  // The worker runs two at a time: two long tasks take it, the next one waits in the queue.
  const long = [
    await submit({ workflow: 'steps', params: { steps: 200, delay_ms: 100 } }),
    await submit({ workflow: 'steps', params: { steps: 200, delay_ms: 100 } }),
  ];
  for (const id of long) await waitForProgress(server.url, id, (view) => view.status === 'running');
  await submit({ workflow: 'echo', params: { value: 'waits for a worker' } });

  const text = await scrape(server.url, (scraped) =>
    scraped.includes('kaygraph_tasks_finished_total{workflow="steps",status="failed"} 1'),
  );
  expect(text).toContain('# TYPE kaygraph_task_retries_total counter');
  expect(sample(text, 'kaygraph_task_retries_total{workflow="steps"}')).toBe(1);
  expect(sample(text, 'kaygraph_workers')).toBe(1);
  expect(sample(text, 'kaygraph_queue_depth{workflow="echo"}')).toBe(1);
  expect(text).toContain('# TYPE kaygraph_queue_age_seconds gauge');
  expect(sample(text, 'kaygraph_queue_age_seconds{workflow="echo"}')).toBeGreaterThan(0);
  expect(sample(text, 'kaygraph_queue_age_seconds{workflow="steps"}')).toBe(0);
  // The histogram times the last run only: its HELP says so, for it differs from avg_duration.
  expect(text).toMatch(/# HELP kaygraph_task_duration_seconds Run time of the last run of finished tasks/);
  // The average counts from the first start: a task lost with its worker and run again counts both runs
  // and the wait between them. Its HELP says so, for on-call reads the two side by side.
  expect(text).toMatch(
    /# HELP kaygraph_task_avg_duration_seconds Average time from first start to completion .*waits and retries between runs included/,
  );

  // Conventions a scraper's users rely on: counters end in _total, no series is labelled per task.
  const counters = [...text.matchAll(/^# TYPE (\S+) counter$/gm)].map((match) => match[1] ?? '');
  expect(counters.filter((name) => !name.endsWith('_total'))).toEqual([]);
  expect(text).not.toMatch(/task_id=/);
});
