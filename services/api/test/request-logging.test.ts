import type { SubmitTaskOutput } from '@kaygraph/contracts';
import { createTestDatabase } from '@kaygraph/db/testing';
import { createTaskSystem } from '@kaygraph/tasks';
import { capturingLogger } from '@kaygraph/tasks/testing';
import pino from 'pino';
import { expect, test, vi } from 'vitest';
import { createApiOperations } from '../src/operations.ts';
import { createApiServer } from '../src/server.ts';
import { catalog } from './fixtures/catalog.ts';
import { requestJson } from './http-helpers.ts';

/** An api on a fresh database whose log lines are captured (`lines`); disposing it stops it all. */
async function apiWithCapturedLog() {
  const { logger, lines } = capturingLogger();
  // Disposed in reverse: the server, the operations, the task system, the database; at once on a failed start.
  const stack = new AsyncDisposableStack();
  try {
    const database = stack.use(await createTestDatabase());
    const system = stack.use(
      await createTaskSystem({ databaseUrl: database.url, logger: pino({ level: 'silent' }) }),
    );
    await system.publishWorkflows(catalog);
    const operations = stack.use(
      createApiOperations({ databaseUrl: database.url, logger, feed: system.events }),
    );
    const server = stack.use(
      await createApiServer({
        workflows: system.workflows,
        ready: () => system.ready(),
        logger,
        port: 0,
        ...operations.serverOptions(system.tasks),
      }),
    );
    return { url: server.url, lines, [Symbol.asyncDispose]: () => stack.disposeAsync() };
  } catch (error) {
    await stack.disposeAsync();
    throw error;
  }
}

test('every request logs one line with its request id; task lines carry task_id, workflow and req_id', async () => {
  await using server = await apiWithCapturedLog();
  const { lines } = server;

  const answer = await requestJson(`${server.url}/tasks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': 'client-chosen-id-1' },
    body: JSON.stringify({ workflow: 'echo', params: { value: 'x' } }),
  });
  expect(answer.status).toBe(202);
  expect(answer.headers.get('x-request-id')).toBe('client-chosen-id-1');
  const taskId = (answer.body as SubmitTaskOutput).task_id;

  const generated = await requestJson(`${server.url}/tasks/${taskId}`);
  const generatedId = generated.headers.get('x-request-id');
  expect(generatedId).toMatch(/^[0-9a-f-]{36}$/);

  const submitted = lines.find((line) => line.msg === 'task submitted');
  expect(submitted).toMatchObject({
    req_id: 'client-chosen-id-1',
    task_id: taskId,
    workflow: 'echo',
    owner: 'anonymous',
  });
  const requests = lines.filter((line) => line.msg === 'request completed');
  expect(requests).toContainEqual(
    expect.objectContaining({
      req_id: 'client-chosen-id-1',
      req: expect.objectContaining({ method: 'POST', path: '/tasks' }),
      res: { status: 202 },
    }),
  );
  expect(requests).toContainEqual(
    expect.objectContaining({
      req_id: generatedId,
      req: expect.objectContaining({ method: 'GET', path: `/tasks/${taskId}` }),
    }),
  );
  // Keys never reach the log.
  await requestJson(`${server.url}/tasks`, { headers: { authorization: 'Bearer kg_secret-never-logged' } });
  expect(JSON.stringify(lines)).not.toContain('kg_secret-never-logged');
});

test('a request the client leaves before its answer ends logs one line, marked aborted', async () => {
  await using server = await apiWithCapturedLog();
  const { lines } = server;
  // Scheduled far ahead: its stream stays open until the client leaves.
  const submitted = await requestJson(`${server.url}/tasks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ workflow: 'echo', params: { value: 'x' }, run_at: '2099-01-01T00:00:00Z' }),
  });
  const taskId = (submitted.body as SubmitTaskOutput).task_id;

  const leaving = new AbortController();
  const stream = await fetch(`${server.url}/tasks/${taskId}/stream`, {
    headers: { 'x-request-id': 'client-left-1' },
    signal: leaving.signal,
  });
  expect(stream.status).toBe(200);
  leaving.abort();

  const logged = () => lines.filter((line) => line.req_id === 'client-left-1' && 'res' in line);
  await vi.waitFor(() => expect(logged()).toHaveLength(1), { timeout: 5_000 });
  expect(logged()[0]).toMatchObject({
    aborted: true,
    req: { method: 'GET', path: `/tasks/${taskId}/stream` },
  });
  const completed = lines.filter(
    (line) => line.msg === 'request completed' && line.req_id !== 'client-left-1',
  );
  expect(completed.every((line) => !('aborted' in line))).toBe(true);
});
