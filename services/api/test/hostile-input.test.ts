import { request } from 'node:http';
import { ErrorBody, type SubmitTaskOutput } from '@kaygraph/contracts';
import { expect, test } from 'vitest';
import { useTestServer } from './harness.ts';
import { requestJson } from './http-helpers.ts';

/** Inputs a fuzzer found to answer 5xx (issue 16 item 8): each is a 4xx ErrorBody now. */
const server = useTestServer({ worker: false });
const post = (path: string, body: string) =>
  requestJson(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });

test('params nested 5,000 levels deep are a 400 over REST and tRPC, and nothing is stored', async () => {
  const before = await server.countTasks();
  for (const [open, close] of [
    ['{"a":', '}'],
    ['[', ']'],
  ] as const) {
    const deep = `${open.repeat(5_000)}1${close.repeat(5_000)}`;
    const body = `{"workflow":"echo","params":{"value":"x","deep":${deep}}}`;
    const rest = await post('/tasks', body);
    expect(rest.status).toBe(400);
    expect(ErrorBody.parse(rest.body).message).toContain('deeper than 100 levels');
    expect((await post('/trpc/tasks.submit', body)).status).toBe(400);
  }
  expect(await server.countTasks()).toBe(before);
});

test("a signal's payload nested 20,000 levels deep is a 400 over REST and tRPC, and no signal is kept", async () => {
  const submitted = await post('/tasks', '{"workflow":"approval","params":{}}');
  const taskId = (submitted.body as SubmitTaskOutput).task_id;
  for (const [open, close] of [
    ['{"a":', '}'],
    ['[', ']'],
  ] as const) {
    const deep = `${open.repeat(20_000)}1${close.repeat(20_000)}`;
    const rest = await post(`/tasks/${taskId}/signals/approval`, `{"approved":true,"deep":${deep}}`);
    expect(rest.status).toBe(400);
    expect(ErrorBody.parse(rest.body)).toMatchObject({
      message: expect.stringContaining('deeper than 100 levels'),
      issues: [{ path: 'payload' }],
    });
    const trpc = await post(
      '/trpc/tasks.signal',
      `{"task_id":"${taskId}","name":"approval","payload":{"approved":true,"deep":${deep}}}`,
    );
    expect(trpc.status).toBe(400);
  }
  // Nothing was kept: the task (queued, no worker) still takes the one signal it may hold.
  const kept = await post(`/tasks/${taskId}/signals/approval`, '{"approved":true}');
  expect(kept).toMatchObject({ status: 200, body: { taken: 'stored' } });
});

test('a list cursor that Date.parse accepts and PostgreSQL refuses is a 400', async () => {
  const crafted = Buffer.from('Sat, 31 Feb 2020 10:00:00|6f1f4c38-8a6f-4a1b-9c1e-2b7d3f4e5a60').toString(
    'base64url',
  );
  const answer = await requestJson(`${server.url}/tasks?cursor=${crafted}`);
  expect(answer.status).toBe(400);
  expect(ErrorBody.parse(answer.body).code).toBe('BAD_REQUEST');
});

test('an artifact name containing %00 is a 400', async () => {
  const submitted = await post('/tasks', '{"workflow":"echo","params":{"value":"x"}}');
  const taskId = (submitted.body as SubmitTaskOutput).task_id;
  const answer = await requestJson(`${server.url}/tasks/${taskId}/artifacts/report%00.csv`);
  expect(answer.status).toBe(400);
  expect(ErrorBody.parse(answer.body).message).toContain('NUL');
});

test('TRACE (or any method but GET and POST) on a /trpc path is a 405 with Allow', async () => {
  for (const method of ['TRACE', 'PUT', 'DELETE']) {
    const answer = await new Promise<{ status: number; allow: string | undefined; body: string }>(
      (resolve, reject) => {
        const req = request(`${server.url}/trpc/tasks.list`, { method }, (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => {
            body += chunk.toString('utf8');
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, allow: res.headers.allow, body }));
        });
        req.on('error', reject);
        req.end();
      },
    );
    expect(answer.status, method).toBe(405);
    expect(answer.allow).toBe('GET, POST');
    expect(ErrorBody.parse(JSON.parse(answer.body)).code).toBe('METHOD_NOT_ALLOWED');
  }
});

test('a JSON body that is not an object (null, "x", []) to a REST route is a 400, not "no filters"', async () => {
  for (const body of ['null', '"x"', '[]', '42']) {
    const answer = await post('/dead-letters/redrive', body);
    expect(answer.status, body).toBe(400);
    expect(ErrorBody.parse(answer.body).message).toContain('must be an object');
  }
});
