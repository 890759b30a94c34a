import type { SubmitTaskOutput, TaskView } from '@kaygraph/contracts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';
import { postJson, requestJson } from './http-helpers.ts';

/** The api over the built-in workflows (@kaygraph/workflows), as `npm start` serves them. */
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ workflowsModule: '@kaygraph/workflows/catalog' });
});

afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
});

async function submitted(body: unknown): Promise<TaskView> {
  const answer = await postJson(`${server.url}/tasks`, body);
  expect(answer.status).toBe(202);
  const { task_id } = answer.body as SubmitTaskOutput;
  const task = await requestJson(`${server.url}/tasks/${task_id}`);
  expect(task.status).toBe(200);
  return task.body as TaskView;
}

describe("POST /tasks without a priority takes the workflow's default", () => {
  const records = [{ value: 1 }, { value: 2 }];

  test('urgent_analysis runs at high priority unless the caller says otherwise', async () => {
    expect((await submitted({ workflow: 'urgent_analysis', params: { records } })).priority).toBe('high');
    expect(
      (await submitted({ workflow: 'urgent_analysis', params: { records }, priority: 'low' })).priority,
    ).toBe('low');
  });

  test('daily_report defaults to low, analyze to normal', async () => {
    expect((await submitted({ workflow: 'daily_report', params: {} })).priority).toBe('low');
    expect((await submitted({ workflow: 'analyze', params: { records } })).priority).toBe('normal');
  });

  test('GET /workflows names the default a submit without priority gets', async () => {
    const answer = await requestJson(`${server.url}/workflows`);
    const workflows = (answer.body as { workflows: { name: string; defaults: { priority: string } }[] })
      .workflows;
    expect(workflows.find((w) => w.name === 'urgent_analysis')?.defaults.priority).toBe('high');
  });
});
