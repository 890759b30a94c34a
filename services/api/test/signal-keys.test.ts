import type { SubmitTaskOutput, TaskView } from '@kaygraph/contracts';
import { describe, expect, test } from 'vitest';
import { buildOpenApiDocument } from '../src/openapi.ts';
import { useTestServer } from './harness.ts';
import { postJson, requestJson, waitForTerminal } from './http-helpers.ts';
import { createOpenApiChecker } from './openapi-check.ts';

/** The built-in content_review: wait for `approval`, a rejection revises the draft and asks again. */
const server = useTestServer({ workflowsModule: '@kaygraph/workflows/catalog' });
const document = buildOpenApiDocument();
const check = createOpenApiChecker(document);
const SIGNAL_PATH = '/tasks/{task_id}/signals/{name}';

/** POST a signal as a webhook sender does: the payload as the body, its delivery id as the key. */
async function signal(taskId: string, payload: unknown, key?: string) {
  const answer = await requestJson(`${server.url}/tasks/${taskId}/signals/approval`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
    body: JSON.stringify(payload),
  });
  check('POST', SIGNAL_PATH, answer.status, answer.body);
  return answer;
}

async function submitReview(): Promise<string> {
  const answer = await postJson(`${server.url}/tasks`, {
    workflow: 'content_review',
    params: { title: 'Launch', points: ['We ship on Monday'], review_seconds: 600 },
  });
  expect(answer.status).toBe(202);
  return (answer.body as SubmitTaskOutput).task_id;
}

/** Polls until the task waits for a verdict on a draft other than the one of `after` (its wait's `since`). */
async function nextWait(taskId: string, after: string | null = null): Promise<string> {
  for (;;) {
    const task = (await requestJson(`${server.url}/tasks/${taskId}`)).body as TaskView;
    if (task.status === 'waiting' && task.wait?.kind === 'signal' && task.wait.since !== after)
      return task.wait.since;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const reject = { approved: false, note: 'add the date' };

describe('POST /tasks/{task_id}/signals/{name} with an Idempotency-Key', () => {
  test('a repeated reject is answered as the first and leaves draft 2 to its reviewer', async () => {
    const taskId = await submitReview();
    const draft1 = await nextWait(taskId);
    const first = await signal(taskId, reject, 'delivery-41');
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      task_id: taskId,
      name: 'approval',
      taken: 'resumed',
      status: 'queued',
      deduplicated: false,
    });
    await nextWait(taskId, draft1);

    // The sender retries the delivery (its answer timed out) once draft 2 waits.
    const retried = await signal(taskId, reject, 'delivery-41');
    expect(retried.status).toBe(200);
    expect(retried.body).toEqual({ ...(first.body as object), deduplicated: true });
    expect((await requestJson(`${server.url}/tasks/${taskId}`)).body).toMatchObject({
      status: 'waiting',
      wait: { kind: 'signal', signal: 'approval' },
    });

    // The key names one signal: with another payload it is refused, naming the key.
    const reused = await signal(taskId, { approved: true }, 'delivery-41');
    expect(reused.status).toBe(409);
    expect(reused.body).toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('idempotency key "delivery-41"'),
    });

    expect((await signal(taskId, { approved: true }, 'delivery-42')).status).toBe(200);
    expect(await waitForTerminal(server.url, taskId)).toBe('completed');
    const result = (await requestJson(`${server.url}/tasks/${taskId}/result`)).body as {
      result: { outcome: string; version: number; reviews: { version: number; approved: boolean }[] };
    };
    expect(result.result).toMatchObject({
      outcome: 'published',
      version: 2,
      reviews: [
        { version: 1, approved: false },
        { version: 2, approved: true },
      ],
    });
  });

  test('without a key, the repeat ends the wait on draft 2 (documented: send a key)', async () => {
    const taskId = await submitReview();
    const draft1 = await nextWait(taskId);
    expect((await signal(taskId, reject)).body).toMatchObject({ taken: 'resumed' });
    await nextWait(taskId, draft1);
    expect((await signal(taskId, reject)).body).toMatchObject({ taken: 'resumed', deduplicated: false });
    await requestJson(`${server.url}/tasks/${taskId}`, { method: 'DELETE' });
  });

  test('an empty Idempotency-Key is a 400 naming it; the document declares the header', async () => {
    const taskId = await submitReview();
    await nextWait(taskId);
    const empty = await signal(taskId, reject, ' ');
    expect(empty.status).toBe(400);
    expect(empty.body).toMatchObject({ issues: [expect.objectContaining({ path: 'idempotency_key' })] });
    await requestJson(`${server.url}/tasks/${taskId}`, { method: 'DELETE' });

    const operation = document.paths?.[SIGNAL_PATH]?.post;
    expect(operation?.parameters).toContainEqual(
      expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: false }),
    );
    const body = operation?.requestBody;
    const schema = body && 'content' in body ? body.content['application/json']?.schema : undefined;
    expect(JSON.stringify(schema)).not.toContain('idempotency_key');
  });
});
