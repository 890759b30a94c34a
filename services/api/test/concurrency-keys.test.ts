import { REST_PATHS, type SubmitTaskOutput, type TaskView } from '@kaygraph/contracts';
import { expect, test } from 'vitest';
import { buildOpenApiDocument } from '../src/openapi.ts';
import { useTestServer } from './harness.ts';
import { postJson, requestJson, waitForTerminal } from './http-helpers.ts';
import { createOpenApiChecker } from './openapi-check.ts';

/** `concurrency_key` over REST: taken, stored, shown; refused where the workflow declares no per-key limit. */
const server = useTestServer();
const check = createOpenApiChecker(buildOpenApiDocument());

test('POST /tasks with a concurrency key: the task runs and its view shows the key', async () => {
  const submitted = await postJson(`${server.url}/tasks`, {
    workflow: 'keyed_echo',
    params: { value: 'hi' },
    concurrency_key: 'account-42',
  });
  expect(submitted.status).toBe(202);
  check('POST', REST_PATHS.tasks, 202, submitted.body);
  const { task_id } = submitted.body as SubmitTaskOutput;
  expect(await waitForTerminal(server.url, task_id)).toBe('completed');
  const view = await requestJson(`${server.url}/tasks/${task_id}`);
  check('GET', REST_PATHS.task, 200, view.body);
  expect(view.body).toMatchObject({
    concurrency_key: 'account-42',
    status: 'completed',
  } satisfies Partial<TaskView>);
  const list = await requestJson(`${server.url}/tasks?workflow=keyed_echo`);
  expect((list.body as { items: TaskView[] }).items.map((task) => task.concurrency_key)).toEqual([
    'account-42',
  ]);
});

test('a key for a workflow without concurrency_per_key is a 400 that says so', async () => {
  const refused = await postJson(`${server.url}/tasks`, {
    workflow: 'echo',
    params: { value: 'hi' },
    concurrency_key: 'account-42',
  });
  expect(refused.status).toBe(400);
  check('POST', REST_PATHS.tasks, 400, refused.body);
  expect(JSON.stringify(refused.body)).toContain('declares no concurrency_per_key');
  const tooLong = await postJson(`${server.url}/tasks`, {
    workflow: 'keyed_echo',
    params: { value: 'hi' },
    concurrency_key: 'k'.repeat(201),
  });
  expect(tooLong.status).toBe(400);
});

test('GET /workflows shows the per-key limit in the defaults', async () => {
  const answer = await requestJson(`${server.url}${REST_PATHS.workflows}`);
  check('GET', REST_PATHS.workflows, 200, answer.body);
  const workflows = (answer.body as { workflows: { name: string; defaults: Record<string, unknown> }[] })
    .workflows;
  expect(workflows.find((workflow) => workflow.name === 'keyed_echo')?.defaults.concurrency_per_key).toBe(1);
  expect(workflows.find((workflow) => workflow.name === 'echo')?.defaults.concurrency_per_key).toBeNull();
});
