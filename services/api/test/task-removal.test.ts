import { REST_PATHS } from '@kaygraph/contracts';
import { describe, expect, test } from 'vitest';
import { buildOpenApiDocument } from '../src/openapi.ts';
import { bearer, submitWithKey } from './auth-keys.ts';
import { useServerWithKeys } from './harness.ts';
import { requestJson } from './http-helpers.ts';
import { createOpenApiChecker } from './openapi-check.ts';

/**
 * POST /tasks/{task_id}/remove and POST /tasks/clean: finished tasks deleted before their RESULT_TTL, as
 * BullMQ's `job.remove()` and `queue.clean()`; submit's `delay_seconds` beside `run_at`.
 */
const check = createOpenApiChecker(buildOpenApiDocument());

const api = useServerWithKeys({ operations: { authCacheMs: 100 } });

async function call(method: string, path: string, url: string, key: string, body?: unknown) {
  const answer = await requestJson(`${api.server.url}${url}`, {
    method,
    headers: { ...bearer(key), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  check(method, path, answer.status, answer.body);
  return answer;
}

const remove = (taskId: string, key = api.alice) =>
  call('POST', REST_PATHS.taskRemove, `/tasks/${taskId}/remove`, key, {});

describe('removing finished tasks', () => {
  test('a cancelled task is removed (then 404); a scheduled one is a 409 naming its status; not for others', async () => {
    const scheduled = await submitWithKey(api.server.url, api.alice, {
      workflow: 'steps',
      params: { steps: 1 },
      delay_seconds: 3600,
    });
    const refused = await remove(scheduled);
    expect(refused.status).toBe(409);
    expect(JSON.stringify(refused.body)).toContain('is scheduled');

    await call('DELETE', REST_PATHS.task, `/tasks/${scheduled}`, api.alice);
    expect((await remove(scheduled, api.bob)).status).toBe(404);
    const removed = await remove(scheduled);
    expect(removed.status).toBe(200);
    expect(removed.body).toEqual({ task_id: scheduled, removed: 1 });
    expect((await call('GET', REST_PATHS.task, `/tasks/${scheduled}`, api.alice)).status).toBe(404);
  });

  test('a clean pages through the finished tasks with has_more', async () => {
    for (let made = 0; made < 2; made++) {
      const taskId = await submitWithKey(api.server.url, api.alice, {
        workflow: 'steps',
        params: { steps: 1 },
        delay_seconds: 3600,
      });
      await call('DELETE', REST_PATHS.task, `/tasks/${taskId}`, api.alice);
    }
    const first = await call('POST', REST_PATHS.tasksClean, '/tasks/clean', api.alice, {
      status: ['cancelled'],
      limit: 1,
    });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ removed: 1, has_more: true });
    const last = await call('POST', REST_PATHS.tasksClean, '/tasks/clean', api.alice, { limit: 1 });
    expect(last.body).toMatchObject({ removed: 1, has_more: false });
  });

  test('run_at and delay_seconds together are a 400', async () => {
    const answer = await call('POST', REST_PATHS.tasks, '/tasks', api.alice, {
      workflow: 'steps',
      params: { steps: 1 },
      run_at: '2099-01-01T00:00:00Z',
      delay_seconds: 60,
    });
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.body)).toContain(
      'run_at (a time) or delay_seconds (seconds from now), not both',
    );
  });
});
