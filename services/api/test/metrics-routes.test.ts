import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { useTestServer } from './harness.ts';

/**
 * The `route` label of the HTTP series names the api's own routes only: a scanner probing random URLs, or
 * clients sending many ids, signal names and tRPC paths, adds no series and pushes no real route out.
 */
const server = useTestServer({ worker: false, operations: {} });

async function prometheusText(): Promise<string> {
  const response = await fetch(`${server.url}/metrics?format=prometheus`);
  expect(response.status).toBe(200);
  return response.text();
}

/** The distinct `route` values of kaygraph_http_requests_total. */
function routesOf(text: string): Set<string> {
  return new Set(
    [...text.matchAll(/^kaygraph_http_requests_total\{[^}]*route="([^"]*)"/gm)].map((m) => m[1] ?? ''),
  );
}

describe('route labels of the HTTP metrics', () => {
  test('unknown paths, ids and names count under the route they reached, never as labels of their own', async () => {
    const probes = Array.from({ length: 250 }, (_, i) => `/probe-${i}-${randomUUID()}/admin.php`);
    for (const path of probes) expect((await fetch(`${server.url}${path}`)).status).toBe(404);
    const marker = `zz${randomUUID().slice(0, 8)}`;
    await fetch(`${server.url}/trpc/${marker}.list`);
    await fetch(`${server.url}/tasks/${randomUUID()}/signals/${marker}`, { method: 'POST', body: '{}' });
    await fetch(`${server.url}/tasks/not-an-id-${marker}`);
    // A real route first reached after all of them still gets its own label.
    expect((await fetch(`${server.url}/tasks/${randomUUID()}/result`)).status).toBe(404);
    await fetch(`${server.url}/trpc/tasks.list`);

    const text = await prometheusText();
    expect(text).not.toContain('probe-');
    expect(text).not.toContain(marker);
    const routes = routesOf(text);
    expect(routes).toContain('(unmatched)');
    expect(routes).toContain('/trpc/(unknown)');
    expect(routes).toContain('/tasks/{task_id}/signals/{name}');
    expect(routes).toContain('/tasks/{task_id}/result');
    expect(routes).toContain('/tasks/{task_id}');
    expect(routes).toContain('/trpc/tasks.list');
    expect(text).toMatch(
      /kaygraph_http_requests_total\{method="GET",route="\(unmatched\)",status="404"\} 250/,
    );
  });

  test('fixed paths keep their names: a literal route is not taken for a template', async () => {
    await fetch(`${server.url}/tasks/cancel-queued`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ workflow: 'echo' }),
    });
    await fetch(`${server.url}/dashboard/assets/${randomUUID()}.js`);
    const routes = routesOf(await prometheusText());
    expect(routes).toContain('/tasks/cancel-queued');
    expect(routes).toContain('/dashboard/*');
    expect(routes).toContain('/metrics');
  });
});
