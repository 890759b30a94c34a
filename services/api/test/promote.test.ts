import {
  ErrorBody,
  isTerminalStatus,
  type ListTasksOutput,
  REST_PATHS,
  type TaskView,
} from '@kaygraph/contracts';
import { describe, expect, test } from 'vitest';
import { buildOpenApiDocument } from '../src/openapi.ts';
import { bearer, submitWithKey } from './auth-keys.ts';
import { useServerWithKeys } from './harness.ts';
import { requestJson } from './http-helpers.ts';
import { createOpenApiChecker } from './openapi-check.ts';

/**
 * POST /tasks/{task_id}/promote: a delayed task (submitted with a `run_at` an hour away) runs now, as
 * BullMQ's `job.promote()` does; a task in any other status is left as it is.
 */
const check = createOpenApiChecker(buildOpenApiDocument());
const IN_AN_HOUR = () => new Date(Date.now() + 3_600_000).toISOString();

const api = useServerWithKeys({ operations: { authCacheMs: 100 } });

async function promote(taskId: string, key = api.alice) {
  const path = REST_PATHS.taskPromote;
  const answer = await requestJson(`${api.server.url}${path.replace('{task_id}', taskId)}`, {
    method: 'POST',
    headers: bearer(key),
  });
  check('POST', path, answer.status, answer.body);
  return answer;
}

async function taskOf(taskId: string): Promise<TaskView> {
  return (await requestJson(`${api.server.url}/tasks/${taskId}`, { headers: bearer(api.alice) }))
    .body as TaskView;
}

/** Alice's task once it has finished (polled: the tests wait for behaviour, never for a time). */
async function finished(taskId: string): Promise<TaskView> {
  for (;;) {
    const task = await taskOf(taskId);
    if (isTerminalStatus(task.status)) return task;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('promoting a delayed task', () => {
  test('a scheduled task runs now and completes, long before its run_at', async () => {
    const runAt = IN_AN_HOUR();
    const taskId = await submitWithKey(api.server.url, api.alice, {
      workflow: 'echo',
      params: { value: 'early' },
      run_at: runAt,
    });
    expect((await taskOf(taskId)).status).toBe('scheduled');

    const answer = await promote(taskId);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ task_id: taskId, status: 'queued' });

    const task = await finished(taskId);
    expect(task.status).toBe('completed');
    expect(task.result).toEqual({ value: 'early' });
    expect(Date.parse(task.started_at ?? '')).toBeLessThan(Date.parse(runAt));
    // A finished task has no run still to start: its view shows no run_at.
    expect(task.run_at).toBeNull();
  });

  test('the promoted task leaves the scheduled list', async () => {
    const taskId = await submitWithKey(api.server.url, api.alice, {
      workflow: 'steps',
      params: { steps: 1 },
      run_at: IN_AN_HOUR(),
    });
    await promote(taskId);
    const scheduled = await requestJson(`${api.server.url}/tasks?status=scheduled`, {
      headers: bearer(api.alice),
    });
    expect((scheduled.body as ListTasksOutput).items.map((task) => task.task_id)).not.toContain(taskId);
    expect((await finished(taskId)).status).toBe('completed');
  });

  test('a task that is not scheduled is a 409 naming its status, and stays as it was', async () => {
    const taskId = await submitWithKey(api.server.url, api.alice, {
      workflow: 'echo',
      params: { value: 'now' },
    });
    expect((await finished(taskId)).status).toBe('completed');
    const answer = await promote(taskId);
    expect(answer.status).toBe(409);
    expect(ErrorBody.parse(answer.body).message).toContain('is completed');
    expect((await taskOf(taskId)).status).toBe('completed');
  });

  test("another owner's task is a 404, and it stays scheduled", async () => {
    const taskId = await submitWithKey(api.server.url, api.alice, {
      workflow: 'echo',
      params: { value: 'mine' },
      run_at: IN_AN_HOUR(),
    });
    const answer = await promote(taskId, api.bob);
    expect(answer.status).toBe(404);
    expect((await taskOf(taskId)).status).toBe('scheduled');
  });
});
