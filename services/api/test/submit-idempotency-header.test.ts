import { REST_PATHS, type SubmitTaskOutput } from '@kaygraph/contracts';
import { describe, expect, test } from 'vitest';
import { buildOpenApiDocument } from '../src/openapi.ts';
import { useTestServer } from './harness.ts';
import { postJson, requestJson } from './http-helpers.ts';
import { createOpenApiChecker } from './openapi-check.ts';

/** POST /tasks takes its idempotency key from the `Idempotency-Key` header as well as from the body. */
const server = useTestServer();
const document = buildOpenApiDocument();
const check = createOpenApiChecker(document);

/** A submit of `echo` as a REST client retrying it sends it: the same body, the key in a header. */
async function submit(body: Record<string, unknown>, key?: string) {
  const answer = await requestJson(`${server.url}/tasks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key !== undefined ? { 'idempotency-key': key } : {}) },
    body: JSON.stringify({ workflow: 'echo', params: { value: 'once' }, ...body }),
  });
  check('POST', REST_PATHS.tasks, answer.status, answer.body);
  return answer;
}

describe('POST /tasks with an Idempotency-Key header', () => {
  test('a retry with the same header answers with the first task and stores no second one', async () => {
    const before = await server.countTasks();
    const first = await submit({}, 'order-7');
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ deduplicated: false });

    const retried = await submit({}, 'order-7');
    expect(retried.status).toBe(202);
    const { task_id } = first.body as SubmitTaskOutput;
    expect(retried.body).toMatchObject({ task_id, deduplicated: true });
    expect(await server.countTasks()).toBe(before + 1);
  });

  test('the header and the body field name the same key: either one, or both when equal', async () => {
    const first = await submit({ idempotency_key: 'order-8' });
    expect(first.status).toBe(202);
    const { task_id } = first.body as SubmitTaskOutput;
    expect((await submit({}, 'order-8')).body).toMatchObject({ task_id, deduplicated: true });
    expect((await submit({ idempotency_key: 'order-8' }, 'order-8')).body).toMatchObject({
      task_id,
      deduplicated: true,
    });
  });

  test('a header that differs from the body field is a 400 naming the field, and nothing is stored', async () => {
    const before = await server.countTasks();
    const answer = await submit({ idempotency_key: 'order-9' }, 'order-10');
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      code: 'BAD_REQUEST',
      issues: [expect.objectContaining({ path: 'idempotency_key' })],
    });
    expect((answer.body as { message: string }).message).toContain('Idempotency-Key');
    expect(await server.countTasks()).toBe(before);
  });

  test('the key again with other params is a 409 naming it (over tRPC too); the same params answer the first task', async () => {
    const first = await submit({ params: { value: 'first' } }, 'order-11');
    expect(first.status).toBe(202);
    const { task_id } = first.body as SubmitTaskOutput;
    const before = await server.countTasks();
    const other = await submit({ params: { value: 'second' } }, 'order-11');
    expect(other.status).toBe(409);
    expect(other.body).toMatchObject({
      code: 'CONFLICT',
      message:
        `idempotency key "order-11" is held by task ${task_id}, submitted with other params ` +
        `("value" differs, compared with the workflow's defaults applied): send the params of the key's ` +
        'first use, or use a new key',
      issues: [{ path: 'idempotency_key', message: 'held by a task with other params' }],
    });
    const overTrpc = await postJson(`${server.url}/trpc/tasks.submit`, {
      workflow: 'echo',
      params: { value: 'second' },
      idempotency_key: 'order-11',
    });
    expect(overTrpc.status).toBe(409);
    expect(overTrpc.body).toMatchObject({ error: { data: { code: 'CONFLICT' } } });
    expect(await server.countTasks()).toBe(before);
    expect((await submit({ params: { value: 'first' } }, 'order-11')).body).toMatchObject({
      task_id,
      deduplicated: true,
    });
  });

  test('an empty header is a 400 naming the field', async () => {
    const answer = await submit({}, '');
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ issues: [expect.objectContaining({ path: 'idempotency_key' })] });
  });

  test('the document declares the optional header and keeps the body field', () => {
    const operation = document.paths?.[REST_PATHS.tasks]?.post;
    expect(operation?.parameters).toContainEqual(
      expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: false }),
    );
    const body = operation?.requestBody;
    const schema = body && 'content' in body ? body.content['application/json']?.schema : undefined;
    expect(schema && 'properties' in schema ? schema.properties : undefined).toHaveProperty(
      'idempotency_key',
    );
  });
});
