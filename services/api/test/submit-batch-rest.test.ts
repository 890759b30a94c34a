import { ErrorBody, REST_PATHS, type SubmitManyOutput, type TaskView } from '@kaygraph/contracts';
import { describe, expect, test } from 'vitest';
import { buildOpenApiDocument } from '../src/openapi.ts';
import { useTestServer } from './harness.ts';
import { requestJson } from './http-helpers.ts';
import { createOpenApiChecker } from './openapi-check.ts';

/**
 * POST /tasks/batch: a bulk add over REST (BullMQ's `addBulk`), what tRPC's `tasks.submitMany` does. No
 * worker runs, so what is submitted stays as it was stored.
 */
const check = createOpenApiChecker(buildOpenApiDocument());
const MAX_BATCH_SIZE = 3;

const server = useTestServer({ worker: false, maxBatchSize: MAX_BATCH_SIZE });
async function submitBatch(body: unknown) {
  const answer = await requestJson(`${server.url}${REST_PATHS.tasksBatch}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  check('POST', REST_PATHS.tasksBatch, answer.status, answer.body);
  return answer;
}

async function taskOf(taskId: string): Promise<TaskView> {
  return (await requestJson(`${server.url}/tasks/${taskId}`)).body as TaskView;
}

describe('POST /tasks/batch', () => {
  test('stores every task in the order given and answers 202 with their ids', async () => {
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const answer = await submitBatch({
      tasks: [
        { workflow: 'steps', params: { steps: 2 }, priority: 'high' },
        { workflow: 'echo', params: { value: 'b' }, run_at: later },
        { workflow: 'echo', params: { value: 'c' }, idempotency_key: 'bulk-c' },
      ],
    });
    expect(answer.status).toBe(202);
    const { tasks } = answer.body as SubmitManyOutput;
    expect(tasks.map((task) => task.status)).toEqual(['queued', 'scheduled', 'queued']);
    const [first, second] = await Promise.all(tasks.slice(0, 2).map((task) => taskOf(task.task_id)));
    expect(first).toMatchObject({ workflow: 'steps', priority: 'high', params: { steps: 2 } });
    expect(second).toMatchObject({ workflow: 'echo', status: 'scheduled', run_at: later });

    const again = await submitBatch({
      tasks: [{ workflow: 'echo', params: { value: 'c' }, idempotency_key: 'bulk-c' }],
    });
    expect(again.status).toBe(202);
    expect((again.body as SubmitManyOutput).tasks).toEqual([
      expect.objectContaining({ task_id: tasks[2]?.task_id, deduplicated: true }),
    ]);
  });

  test('a bad task is a 400 naming its index, and none of the batch is stored', async () => {
    const before = await server.countTasks();
    const answer = await submitBatch({
      tasks: [
        { workflow: 'echo', params: { value: 'fine' } },
        { workflow: 'steps', params: { steps: 'x' } },
      ],
    });
    expect(answer.status).toBe(400);
    expect(ErrorBody.parse(answer.body).issues?.[0]?.path).toMatch(/^tasks\.1\.params\.steps/);
    expect(await server.countTasks()).toBe(before);
  });

  test('more tasks than MAX_BATCH_SIZE are a 400 saying to split them, and nothing is stored', async () => {
    const before = await server.countTasks();
    const tasks = Array.from({ length: MAX_BATCH_SIZE + 1 }, () => ({
      workflow: 'echo',
      params: { value: 'x' },
    }));
    const answer = await submitBatch({ tasks });
    expect(answer.status).toBe(400);
    expect(ErrorBody.parse(answer.body).message).toContain('MAX_BATCH_SIZE');
    expect(await server.countTasks()).toBe(before);
  });
});
