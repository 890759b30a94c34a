import { REST_PATHS, type SubmitTaskOutput, type TaskView } from '@kaygraph/contracts';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { buildOpenApiDocument } from '../src/openapi.ts';
import { startTestServer, type TestServer } from './harness.ts';
import { postJson, requestJson, waitForTerminal } from './http-helpers.ts';
import { createOpenApiChecker } from './openapi-check.ts';

/** A workflow's `rate_limit` over REST: shown with its defaults, and holding its tasks past it queued. */
let server: TestServer;
const check = createOpenApiChecker(buildOpenApiDocument());

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
});

test('GET /workflows shows the rate limit in the defaults', async () => {
  const answer = await requestJson(`${server.url}${REST_PATHS.workflows}`);
  check('GET', REST_PATHS.workflows, 200, answer.body);
  const workflows = (answer.body as { workflows: { name: string; defaults: Record<string, unknown> }[] })
    .workflows;
  expect(workflows.find((workflow) => workflow.name === 'rated_echo')?.defaults.rate_limit).toEqual({
    max: 1,
    per_seconds: 3600,
  });
  expect(workflows.find((workflow) => workflow.name === 'echo')?.defaults.rate_limit).toBeNull();
});

test('a task past the rate limit stays queued while an unlimited one runs', async () => {
  const submit = async (workflow: string) => {
    const answer = await postJson(`${server.url}/tasks`, { workflow, params: { value: 'hi' } });
    expect(answer.status).toBe(202);
    return (answer.body as SubmitTaskOutput).task_id;
  };
  const first = await submit('rated_echo');
  expect(await waitForTerminal(server.url, first)).toBe('completed');
  const second = await submit('rated_echo');
  const unlimited = await submit('echo');
  expect(await waitForTerminal(server.url, unlimited)).toBe('completed');
  const view = await requestJson(`${server.url}/tasks/${second}`);
  expect((view.body as TaskView).status).toBe('queued');
  expect((await requestJson(`${server.url}/tasks/${second}`, { method: 'DELETE' })).status).toBe(200);
});
