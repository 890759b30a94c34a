import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bearer, openKeyStore } from './auth-keys.ts';
import { startTestServer, type TestServer } from './harness.ts';

/** RFC 9110: a 401 names the scheme that would be accepted, on every HTTP surface that answers one. */
let server: TestServer;
let key: string;
let taskId: string;
let groupId: string;

beforeAll(async () => {
  server = await startTestServer({ worker: false, operations: { authRequired: true, authCacheMs: 50 } });
  await using keys = openKeyStore(server.databaseUrl);
  key = (await keys.create('owner')).key;
  const headers = { 'content-type': 'application/json', ...bearer(key) };
  const submit = await fetch(`${server.url}/tasks`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ workflow: 'steps', params: { steps: 1 } }),
  });
  taskId = ((await submit.json()) as { task_id: string }).task_id;
  const group = await fetch(`${server.url}/groups`, { method: 'POST', headers, body: '{"name": "g"}' });
  groupId = ((await group.json()) as { group_id: string }).group_id;
});
afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
});

const surfaces = () => [
  ['REST', '/tasks'],
  ['SSE', `/tasks/${taskId}/stream`],
  ['group SSE', `/groups/${groupId}/stream`],
  ['artifact', `/tasks/${taskId}/artifacts/report.csv`],
  ['metrics', '/metrics'],
  ['tRPC', '/trpc/tasks.list'],
];

describe('401 answers carry WWW-Authenticate: Bearer', () => {
  test('without a key and with a wrong one, on REST, SSE, artifacts, /metrics and tRPC', async () => {
    for (const [surface, path] of surfaces()) {
      for (const headers of [{}, bearer('kg_wrong')]) {
        const response = await fetch(`${server.url}${path}`, { headers });
        await response.text();
        expect({
          surface,
          status: response.status,
          challenge: response.headers.get('www-authenticate'),
        }).toEqual({ surface, status: 401, challenge: 'Bearer' });
      }
    }
  });

  test('other answers carry none; a key in ?api_key= is still taken where documented', async () => {
    const ok = await fetch(`${server.url}/tasks`, { headers: bearer(key) });
    await ok.text();
    expect(ok.status).toBe(200);
    expect(ok.headers.get('www-authenticate')).toBeNull();
    const forbidden = await fetch(`${server.url}/keys`, { headers: bearer(key) });
    await forbidden.text();
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get('www-authenticate')).toBeNull();

    const controller = new AbortController();
    const stream = await fetch(`${server.url}/tasks/${taskId}/stream?api_key=${key}`, {
      signal: controller.signal,
    });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    controller.abort();
    // The artifact route takes it too (a download link cannot send headers): this task has none, so 404.
    const artifact = await fetch(`${server.url}/tasks/${taskId}/artifacts/report.csv?api_key=${key}`);
    await artifact.text();
    expect(artifact.status).toBe(404);
  });
});
