import type { SubmitTaskOutput, TaskResultView, TaskView } from '@kaygraph/contracts';
import { expect, test } from 'vitest';
import { useTestServer } from './harness.ts';
import { postJson, requestJson, waitForTerminal } from './http-helpers.ts';

/** MAX_RESULT_BYTES as a client meets it: a run whose result is over the limit fails, saying why. */
const LIMIT = 1000;
const server = useTestServer({ maxResultBytes: LIMIT });

async function submitEcho(value: string, maxRetries = 0): Promise<string> {
  const submitted = await postJson(`${server.url}/tasks`, {
    workflow: 'echo',
    params: { value },
    max_retries: maxRetries,
  });
  expect(submitted.status).toBe(202);
  return (submitted.body as SubmitTaskOutput).task_id;
}

test('a result over MAX_RESULT_BYTES fails the task with RESULT_TOO_LARGE, once, naming size, limit and artifacts', async () => {
  // {"value":"…"}: 12 bytes around the value, so 1,000 characters make 1,012 bytes and 1,000 "é" 2,012.
  const taskId = await submitEcho('é'.repeat(1000), 2);
  expect(await waitForTerminal(server.url, taskId)).toBe('failed');

  const task = (await requestJson(`${server.url}/tasks/${taskId}`)).body as TaskView;
  expect(task.error).toEqual({
    code: 'RESULT_TOO_LARGE',
    message:
      "the task's result is 2,012 bytes of JSON, over the limit of 1,000 bytes (MAX_RESULT_BYTES): return a " +
      'large output as an artifact (shared.artifacts, or the artifacts service) and keep the result to what ' +
      'refers to it',
    attempt: 1,
  });
  // Not retried: the same run would return the same result.
  expect(task.attempt).toBe(1);
  expect(task).not.toHaveProperty('result');

  const result = await requestJson(`${server.url}/tasks/${taskId}/result`);
  expect(result.status).toBe(200);
  expect(result.body as TaskResultView).toMatchObject({
    status: 'failed',
    error: { code: 'RESULT_TOO_LARGE' },
  });
  expect(result.body).not.toHaveProperty('result');
});

test('a result within MAX_RESULT_BYTES completes', async () => {
  const taskId = await submitEcho('x'.repeat(LIMIT - 12));
  expect(await waitForTerminal(server.url, taskId)).toBe('completed');
  const result = await requestJson(`${server.url}/tasks/${taskId}/result`);
  expect(result.body).toMatchObject({ status: 'completed', result: { value: 'x'.repeat(LIMIT - 12) } });
});
