import type {
  CancelQueuedOutput,
  ListDeadLettersOutput,
  ListTasksOutput,
  TaskView,
} from '@kaygraph/contracts';
import { describe, expect, test } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';
import { postJson, requestJson } from './http-helpers.ts';

/**
 * A workflow named by its alias, as the README names `rag_indexing` for `document_indexing`: its tasks are
 * stored under the workflow's name, and every filter by workflow finds them by either name. In the test
 * catalog `data_processing` is an alias of `steps`.
 */
async function submitAsAlias(server: TestServer, body: Record<string, unknown> = {}): Promise<string> {
  const answer = await postJson(`${server.url}/tasks`, { workflow: 'data_processing', ...body });
  expect(answer.status).toBe(202);
  return (answer.body as { task_id: string }).task_id;
}

async function listed(server: TestServer, query: string): Promise<string[]> {
  const answer = await requestJson(`${server.url}/tasks?${query}`);
  expect(answer.status).toBe(200);
  return (answer.body as ListTasksOutput).items.map((task) => task.task_id);
}

describe('queued tasks of a workflow submitted by its alias (no worker: they stay queued)', () => {
  test('GET /tasks?workflow= lists them by the alias and by the name', async () => {
    await using server = await startTestServer({ worker: false });
    const taskId = await submitAsAlias(server);
    expect(((await requestJson(`${server.url}/tasks/${taskId}`)).body as TaskView).workflow).toBe('steps');
    expect(await listed(server, 'workflow=data_processing')).toEqual([taskId]);
    expect(await listed(server, 'workflow=steps')).toEqual([taskId]);
  });

  test('POST /tasks/cancel-queued with the alias cancels them, rather than answer that none are queued', async () => {
    // With the api's operations wired in and no key made yet, the caller is the loopback admin.
    await using server = await startTestServer({ worker: false, operations: {} });
    const taskIds = [await submitAsAlias(server), await submitAsAlias(server)];
    const answer = await postJson(`${server.url}/tasks/cancel-queued`, { workflow: 'data_processing' });
    expect(answer.status).toBe(200);
    expect((answer.body as CancelQueuedOutput).cancelled).toBe(2);
    expect(new Set(await listed(server, 'status=cancelled'))).toEqual(new Set(taskIds));
  });
});

test('dead letters of a workflow submitted by its alias are listed and redriven by the alias', async () => {
  await using server = await startTestServer();
  const taskId = await submitAsAlias(server, {
    params: { steps: 1, delay_ms: 1, fail: true },
    max_retries: 0,
  });
  const deadLetters = async () => {
    const answer = await requestJson(`${server.url}/dead-letters?workflow=data_processing`);
    return (answer.body as ListDeadLettersOutput).items.map((item) => item.task_id);
  };
  while ((await deadLetters()).length === 0) await new Promise((resolve) => setTimeout(resolve, 25));
  expect(await deadLetters()).toEqual([taskId]);
  const redriven = await postJson(`${server.url}/dead-letters/redrive`, { workflow: 'data_processing' });
  expect(redriven.status).toBe(200);
  expect(redriven.body).toMatchObject({ task_ids: [taskId] });
});
