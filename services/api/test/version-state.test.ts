import { REST_PATHS, type TaskView } from '@kaygraph/contracts';
import { expect, test } from 'vitest';
import { buildOpenApiDocument } from '../src/openapi.ts';
import { catalog } from './fixtures/catalog.ts';
import { startTestServer } from './harness.ts';
import { postJson, requestJson } from './http-helpers.ts';
import { createOpenApiChecker } from './openapi-check.ts';

/** GET /tasks/{task_id} says whether a live worker runs the version a task waits for. */
const check = createOpenApiChecker(buildOpenApiDocument());

async function getTask(base: string, taskId: string): Promise<TaskView> {
  const answer = await requestJson(`${base}/tasks/${taskId}`);
  check('GET', REST_PATHS.task, answer.status, answer.body);
  return answer.body as TaskView;
}

async function submit(base: string, body: Record<string, unknown>): Promise<string> {
  return ((await postJson(`${base}/tasks`, body)).body as { task_id: string }).task_id;
}

test('a task waiting for a version no live worker runs says so, and whether that version was retired', async () => {
  await using server = await startTestServer({ worker: false, operations: {} });
  const taskId = await submit(server.url, { workflow: 'steps', params: { steps: 1 } });
  expect(await getTask(server.url, taskId)).toMatchObject({
    status: 'queued',
    version_state: 'awaiting_worker',
  });

  const steps = catalog.get('steps');
  if (!steps) throw new Error('no steps workflow');
  const upgraded = { ...steps, version: 'upgraded' };
  await server.system.publishWorkflows({ get: () => upgraded, list: () => [upgraded] });
  await expect.poll(async () => (await getTask(server.url, taskId)).version_state).toBe('retired');

  // Cancelled, it needs no run: nothing to say.
  await requestJson(`${server.url}/tasks/${taskId}`, { method: 'DELETE' });
  expect(await getTask(server.url, taskId)).toMatchObject({ status: 'cancelled', version_state: null });
});

test('a task whose version a live worker runs is served', async () => {
  await using server = await startTestServer();
  const later = await submit(server.url, { workflow: 'steps', params: { steps: 1 }, delay_seconds: 3600 });
  await expect.poll(async () => (await getTask(server.url, later)).version_state).toBe('served');
  expect((await getTask(server.url, later)).status).toBe('scheduled');
});
