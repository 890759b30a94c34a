import { expect, test } from 'vitest';
import { loadApiEnv } from '../src/env.ts';
import { startTestServer } from './harness.ts';
import { waitForTerminal } from './http-helpers.ts';

const APP = 'http://app.test:5173';

/** A browser's preflight of a JSON call with a key from a page of `origin`. */
function preflight(url: string, origin: string, method = 'POST'): Promise<Response> {
  return fetch(url, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': method,
      'access-control-request-headers': 'authorization,content-type,idempotency-key',
    },
  });
}

test('CORS_ORIGINS: a listed origin passes preflights on every surface and reads answers; others are told what to set', async () => {
  await using server = await startTestServer({ worker: false, corsOrigins: [APP] });
  for (const path of ['/tasks', '/tasks/00000000-0000-4000-8000-000000000000', '/trpc/tasks.submit']) {
    const allowed = await preflight(`${server.url}${path}`, APP, 'DELETE');
    expect(allowed.status).toBe(204);
    expect(Object.fromEntries(allowed.headers)).toMatchObject({
      'access-control-allow-origin': APP,
      'access-control-allow-methods': expect.stringContaining('DELETE'),
      'access-control-allow-headers': 'authorization,content-type,idempotency-key',
      'access-control-max-age': expect.any(String),
    });
    expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
  }

  const answer = await fetch(`${server.url}/tasks/not-an-id`, { headers: { origin: APP } });
  expect(answer.status).toBe(400);
  expect(answer.headers.get('access-control-allow-origin')).toBe(APP);
  expect(answer.headers.get('access-control-expose-headers')).toMatch(
    /Location.*Retry-After.*WWW-Authenticate/,
  );
  expect(answer.headers.get('vary')).toContain('Origin');

  const elsewhere = await preflight(`${server.url}/tasks`, 'http://elsewhere.test');
  expect(elsewhere.status).toBe(403);
  expect(elsewhere.headers.get('access-control-allow-origin')).toBeNull();
  expect(await elsewhere.json()).toEqual({
    code: 'FORBIDDEN',
    message:
      "pages from http://elsewhere.test may not call this api: add the origin to the api's CORS_ORIGINS",
  });
  const plain = await fetch(`${server.url}/tasks`, { headers: { origin: 'http://elsewhere.test' } });
  expect(plain.headers.get('access-control-allow-origin')).toBeNull();
  // OPTIONS that is no preflight is what it was: a method the route does not take.
  expect((await fetch(`${server.url}/tasks`, { method: 'OPTIONS' })).status).toBe(405);
});

/** The header names an answer's Vary lists. */
function varyOf(response: Response): string[] {
  return (response.headers.get('vary') ?? '').split(',').map((name) => name.trim());
}

test("a listed origin's tRPC answers over HTTP and SSE keep Vary: Origin beside tRPC's own Vary", async () => {
  await using server = await startTestServer({ worker: false, corsOrigins: [APP] });
  const query = await fetch(`${server.url}/trpc/health`, { headers: { origin: APP } });
  expect(query.status).toBe(200);
  expect(query.headers.get('access-control-allow-origin')).toBe(APP);
  expect(varyOf(query)).toEqual(expect.arrayContaining(['Origin', 'trpc-accept', 'accept']));
  // A failed call too: its answer names the origin as much as a successful one.
  const failed = await fetch(`${server.url}/trpc/tasks.get?input=${encodeURIComponent('{}')}`, {
    headers: { origin: APP },
  });
  expect(failed.status).toBe(400);
  expect(varyOf(failed)).toEqual(expect.arrayContaining(['Origin', 'trpc-accept', 'accept']));

  const subscription = await fetch(`${server.url}/trpc/tasks.feedState?input=${encodeURIComponent('{}')}`, {
    headers: { origin: APP, accept: 'text/event-stream' },
  });
  expect(subscription.headers.get('content-type')).toContain('text/event-stream');
  expect(subscription.headers.get('access-control-allow-origin')).toBe(APP);
  expect(varyOf(subscription)).toEqual(expect.arrayContaining(['Origin', 'trpc-accept', 'accept']));
  await subscription.body?.cancel();
});

test('CORS_ORIGINS=* lets every page call the api, with no answer that depends on the origin', async () => {
  await using server = await startTestServer({ worker: false, corsOrigins: ['*'] });
  const allowed = await preflight(`${server.url}/tasks`, 'http://anywhere.test');
  expect(allowed.status).toBe(204);
  expect(allowed.headers.get('access-control-allow-origin')).toBe('*');
  const answer = await fetch(`${server.url}/health`, { headers: { origin: 'http://anywhere.test' } });
  expect(answer.headers.get('access-control-allow-origin')).toBe('*');
  expect(answer.headers.get('vary')).toBeNull();
});

test('without CORS_ORIGINS no page of another origin passes a preflight', async () => {
  await using server = await startTestServer({ worker: false });
  expect(loadApiEnv({}).CORS_ORIGINS).toEqual([]);
  const refused = await preflight(`${server.url}/tasks`, APP);
  expect(refused.status).toBe(403);
  expect(refused.headers.get('access-control-allow-origin')).toBeNull();
});

test('CORS_ORIGINS takes a comma-separated list of origins or *, and names an entry that is not one', () => {
  expect(loadApiEnv({ CORS_ORIGINS: ` ${APP}, https://b.test ,` }).CORS_ORIGINS).toEqual([
    APP,
    'https://b.test',
  ]);
  expect(loadApiEnv({ CORS_ORIGINS: '*' }).CORS_ORIGINS).toEqual(['*']);
  expect(() => loadApiEnv({ CORS_ORIGINS: 'https://b.test/app' })).toThrow(
    'CORS_ORIGINS.0: https://b.test/app is not an origin: write scheme://host[:port] (no path, no trailing slash), or *',
  );
});

test('a POST without a body, which a page of any origin can send without a preflight, is refused unless the page may call the api', async () => {
  // An api without keys: only the Origin tells a page on another site from the dashboard.
  await using server = await startTestServer({ corsOrigins: [APP] });
  const submitted = await fetch(`${server.url}/tasks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      workflow: 'steps',
      params: { steps: 1, delay_ms: 0, fail: true },
      max_retries: 0,
    }),
  });
  const { task_id: taskId } = (await submitted.json()) as { task_id: string };
  expect(await waitForTerminal(server.url, taskId)).toBe('failed');

  // What fetch(url, { method: 'POST', mode: 'no-cors' }) from another site sends.
  const redriveAll = (origin: string) =>
    fetch(`${server.url}/dead-letters/redrive`, { method: 'POST', headers: { origin } });
  const elsewhere = await redriveAll('http://elsewhere.test');
  expect(elsewhere.status).toBe(403);
  expect(await elsewhere.json()).toEqual({
    code: 'FORBIDDEN',
    message:
      "pages from http://elsewhere.test may not call this api: add the origin to the api's CORS_ORIGINS",
  });
  const task = await fetch(`${server.url}/tasks/${taskId}`, { headers: { origin: 'http://elsewhere.test' } });
  expect(((await task.json()) as { status: string }).status).toBe('failed');

  // The api's own pages (the dashboard) and listed origins are served as before.
  const own = await redriveAll(new URL(server.url).origin);
  expect(own.status).toBe(200);
  expect(await own.json()).toMatchObject({ redriven: 1, task_ids: [taskId] });
  expect((await redriveAll(APP)).status).toBe(200);
});
