import { type CancelQueuedOutput, ErrorBody, type ListTasksOutput, type TaskView } from '@kaygraph/contracts';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { buildOpenApiDocument } from '../src/openapi.ts';
import { bearer, submitWithKey } from './auth-keys.ts';
import { useServerWithKeys } from './harness.ts';
import { requestJson } from './http-helpers.ts';
import { createOpenApiChecker } from './openapi-check.ts';

/**
 * POST /tasks/cancel-queued, as an operator empties a workflow's backlog: admins only, a bounded batch
 * per call (MAX_BATCH_SIZE, or less with `limit`) until a call cancels none; every owner's queued tasks of
 * that workflow, and nothing else. No worker runs, so what is queued stays queued until cancelled.
 */
const check = createOpenApiChecker(buildOpenApiDocument());
const PATH = '/tasks/cancel-queued';
const MAX_BATCH_SIZE = 3;

const api = useServerWithKeys({
  worker: false,
  maxBatchSize: MAX_BATCH_SIZE,
  operations: { authCacheMs: 100 },
});

/** Queued `steps` tasks of alice and bob: what the calls must cancel, all of it. */
const backlog: string[] = [];
/** What must stay: another workflow's queued task, and a `steps` task waiting for its run_at. */
let otherWorkflow = '';
let scheduled = '';

function submit(key: string, body: unknown): Promise<string> {
  return submitWithKey(api.server.url, key, body);
}

async function cancelQueued(key: string, body: unknown) {
  const answer = await requestJson(`${api.server.url}${PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(key) },
    body: JSON.stringify(body),
  });
  check('POST', PATH, answer.status, answer.body);
  return answer;
}

async function statusOf(taskId: string): Promise<string> {
  const answer = await requestJson(`${api.server.url}/tasks/${taskId}`, { headers: bearer(api.admin) });
  return (answer.body as TaskView).status;
}

async function queuedSteps(): Promise<string[]> {
  const answer = await requestJson(`${api.server.url}/tasks?status=queued&workflow=steps&limit=200`, {
    headers: bearer(api.admin),
  });
  return (answer.body as ListTasksOutput).items.map((task) => task.task_id);
}

beforeAll(async () => {
  for (let n = 0; n < 5; n += 1) backlog.push(await submit(api.alice, { workflow: 'steps' }));
  for (let n = 0; n < 3; n += 1) backlog.push(await submit(api.bob, { workflow: 'steps' }));
  otherWorkflow = await submit(api.alice, { workflow: 'echo', params: { value: 'stays' } });
  const later = new Date(Date.now() + 3_600_000).toISOString();
  scheduled = await submit(api.alice, { workflow: 'steps', run_at: later });
});

afterAll(async () => {
  await api.server?.[Symbol.asyncDispose]();
});

test("a key that is not an admin's is refused with 403, and nothing is cancelled", async () => {
  const refused = await cancelQueued(api.alice, { workflow: 'steps' });
  expect(refused.status).toBe(403);
  expect(ErrorBody.parse(refused.body).code).toBe('FORBIDDEN');
  expect(new Set(await queuedSteps())).toEqual(new Set(backlog));
});

test('input it cannot use is a 400 naming the field, and nothing is cancelled', async () => {
  for (const body of [
    {},
    { workflow: 'no spaces allowed' },
    { workflow: 'steps', limit: 0 },
    { workflow: 'steps', extra: 1 },
  ]) {
    const answer = await cancelQueued(api.admin, body);
    expect({ body, status: answer.status }).toEqual({ body, status: 400 });
  }
  expect(new Set(await queuedSteps())).toEqual(new Set(backlog));
});

test("an admin cancels every owner's queued tasks of the workflow, a bounded batch per call, and nothing else", async () => {
  const limited = (await cancelQueued(api.admin, { workflow: 'steps', limit: 2 })).body as CancelQueuedOutput;
  expect(limited.cancelled).toBe(2);
  const counts = [limited.cancelled];
  const cancelled = [...limited.task_ids];
  for (;;) {
    const answer = await cancelQueued(api.admin, { workflow: 'steps' });
    expect(answer.status).toBe(200);
    const output = answer.body as CancelQueuedOutput;
    expect(output.task_ids).toHaveLength(output.cancelled);
    counts.push(output.cancelled);
    cancelled.push(...output.task_ids);
    if (output.cancelled === 0) break;
  }
  // 8 queued, at most MAX_BATCH_SIZE (3) a call: 2 (its limit), 3, 3, then none left.
  expect(counts).toEqual([2, 3, 3, 0]);
  expect(new Set(cancelled)).toEqual(new Set(backlog));
  for (const taskId of backlog) expect(await statusOf(taskId)).toBe('cancelled');
  expect(await statusOf(otherWorkflow)).toBe('queued');
  expect(await statusOf(scheduled)).toBe('scheduled');
  // Each says why, as a task cancelled on its own does.
  const task = (await requestJson(`${api.server.url}/tasks/${backlog[0]}`, { headers: bearer(api.alice) }))
    .body as TaskView;
  expect(task.error).toMatchObject({ code: 'CANCELLED' });
});

test('a workflow with nothing queued (or none of that name) cancels none', async () => {
  for (const workflow of ['steps', 'never-registered']) {
    const answer = await cancelQueued(api.admin, { workflow });
    expect(answer).toMatchObject({ status: 200, body: { cancelled: 0, task_ids: [] } });
  }
});
