import { startTestServer, type TestServer } from '@kaygraph/api/testing';
import type { SignalTaskOutput, TaskEvent } from '@kaygraph/contracts';
import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, expectTypeOf, test } from 'vitest';
import { type AnyWorkflows, type BuiltinWorkflows, createClient, type TaskIdOf } from '../src/index.ts';

/** The typed client against a real api and worker running the built-in workflows. */
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ workflowsModule: '@kaygraph/workflows/catalog' });
});
afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
});

const article = {
  title: 'Durable waits',
  points: ['A waiting task holds no worker', 'A signal resumes it on any worker'],
  review_seconds: 3600,
};

function statusOf(error: unknown): unknown {
  return error instanceof TRPCClientError ? error.data?.httpStatus : error;
}

/** Follows the task until it begins to wait; returns that event. */
async function untilWaiting(client: { watch(taskId: string): AsyncIterable<TaskEvent> }, taskId: string) {
  for await (const event of client.watch(taskId)) if (event.type === 'waiting') return event;
  throw new Error(`task ${taskId} ended without waiting`);
}

describe('client.signal', () => {
  test('content_review: submitAndWait follows the task through its wait, the signal resumes it', async () => {
    using client = createClient<BuiltinWorkflows>({ url: server.url }); // typed by the built-ins, on request
    const events: TaskEvent[] = [];
    let sent: Promise<SignalTaskOutput> | undefined;
    const outcome = await client.submitAndWait(
      { workflow: 'content_review', params: article },
      {
        onEvent: (event) => events.push(event),
        onWaiting: (event) => {
          sent = client.signal(event.task_id, 'approval', { approved: true, note: 'ship it' });
        },
      },
    );
    await expect(sent).resolves.toMatchObject({ name: 'approval', taken: 'resumed', status: 'queued' });
    expect(outcome).toMatchObject({
      status: 'completed',
      result: {
        outcome: 'published',
        decided_by: 'reviewer',
        reviews: [{ approved: true, note: 'ship it' }],
      },
    });
    expectTypeOf(outcome.result).toMatchTypeOf<
      { outcome: 'published' | 'rejected' | 'expired' } | undefined
    >();
    const statuses = events.flatMap((event) => (event.type === 'status' ? [event.status] : []));
    expect(statuses).toEqual(expect.arrayContaining(['running', 'waiting', 'queued', 'completed']));
    expect(statuses.indexOf('waiting')).toBeLessThan(statuses.lastIndexOf('completed'));
    expect(events.map((event) => event.type)).toEqual(expect.arrayContaining(['waiting', 'signal_received']));
  });

  test('with an idempotency key, a repeat gets the first answer and changes nothing', async () => {
    using client = createClient<BuiltinWorkflows>({ url: server.url });
    const { task_id } = await client.submit({ workflow: 'content_review', params: article });
    await untilWaiting(client, task_id);
    const reject = { approved: false, note: 'add the date' };
    const first = await client.signal(task_id, 'approval', reject, { idempotencyKey: 'hook-9' });
    expect(first).toMatchObject({ taken: 'resumed', deduplicated: false });
    await expect(client.signal(task_id, 'approval', reject, { idempotencyKey: 'hook-9' })).resolves.toEqual({
      ...first,
      deduplicated: true,
    });
    await client.tasks.cancel.mutate({ task_id });
  });

  test('a waiting task says what it waits for: the signal, its schema and its deadline', async () => {
    using client = createClient({ url: server.url });
    const before = Date.now();
    const { task_id } = await client.submit({ workflow: 'content_review', params: article });
    await untilWaiting(client, task_id);
    const task = await client.tasks.get.query({ task_id });
    expect(task.status).toBe('waiting');
    expect(task.wait).toMatchObject({
      kind: 'signal',
      signal: 'approval',
      schema: { type: 'object', properties: { approved: { type: 'boolean' } }, required: ['approved'] },
    });
    const deadline = task.wait?.kind === 'signal' ? Date.parse(task.wait.deadline ?? '') : Number.NaN;
    expect(deadline).toBeGreaterThanOrEqual(before + 3_600_000);
    expect(deadline).toBeLessThanOrEqual(Date.now() + 3_600_000);
    await client.tasks.cancel.mutate({ task_id });
  });

  test('a payload that does not fit is a 400 naming the field; a task no longer waiting, a 409', async () => {
    using client = createClient({ url: server.url });
    const { task_id } = await client.submit({ workflow: 'content_review', params: article });
    await untilWaiting(client, task_id);
    const invalid = await client.trpc.tasks.signal
      .mutate({ task_id, name: 'approval', payload: { approved: 'yes' } })
      .catch((error: unknown) => error);
    expect(statusOf(invalid)).toBe(400);
    expect((invalid as TRPCClientError<never>).data).toMatchObject({
      errorBody: { issues: [{ path: 'payload.approved' }] },
    });
    const unknown = await client.trpc.tasks.signal
      .mutate({ task_id, name: 'publish', payload: {} })
      .catch((error: unknown) => error);
    expect(statusOf(unknown)).toBe(400);
    // Neither was taken: the task still waits, and the right signal resumes it.
    await expect(client.tasks.get.query({ task_id })).resolves.toMatchObject({ status: 'waiting' });
    // Of two signals racing for the wait, one resumes it; the task no longer waits for the other: 409.
    const answers = await Promise.all(
      [false, true].map((approved) =>
        client.signal(task_id, 'approval', { approved }).catch((error: unknown) => error),
      ),
    );
    expect(answers.filter((answer) => statusOf(answer) === 409)).toHaveLength(1);
    expect(answers.find((answer) => statusOf(answer) !== 409)).toMatchObject({ taken: 'resumed' });
  });

  test('content_review: a passed deadline takes the timeout action (on_timeout: publish) with no signal', async () => {
    using client = createClient({ url: server.url });
    const outcome = await client.submitAndWait({
      workflow: 'content_review',
      params: { ...article, review_seconds: 1, on_timeout: 'publish' },
    });
    expect(outcome).toMatchObject({
      status: 'completed',
      result: { outcome: 'published', decided_by: 'deadline', reviews: [] },
    });
    expect(outcome.artifacts.map((artifact) => artifact.name)).toEqual(['article.md']);
    // the deadline is over: a late approval is refused
    const late = await client
      .signal(outcome.task_id, 'approval', { approved: true })
      .catch((error: unknown) => error);
    expect(statusOf(late)).toBe(409);
  });

  test('signal names and payloads follow the workflow (the @ts-expect-error lines are checked by tsc)', async () => {
    using client = createClient<BuiltinWorkflows>({ url: server.url });
    const review = await client.submit({ workflow: 'content_review', params: article });
    expectTypeOf(review.task_id).toEqualTypeOf<TaskIdOf<'content_review'>>();
    const demo = await client.submit({ workflow: 'demo', params: { steps: 1, step_ms: 0 } });
    const misuse = () => [
      // @ts-expect-error content_review declares no signal "publish"
      client.signal(review.task_id, 'publish', { approved: true }),
      // @ts-expect-error approved is a boolean
      client.signal(review.task_id, 'approval', { approved: 'yes' }),
      // @ts-expect-error the payload needs approved
      client.signal(review.task_id, 'approval', { note: 'fine' }),
      // @ts-expect-error demo declares no signals at all
      client.signal(demo.task_id, 'approval', { approved: true }),
      // @ts-expect-error named workflow: the same checks for a plain string id
      client.signal<'content_review'>('6f1f4c38-8a6f-4a1b-9c1e-2b7d3f4e5a60', 'approval', {}),
    ];
    expect(typeof misuse).toBe('function');
    // A plain id of an unknown workflow: any declared signal of the catalog, with its payload.
    const plain: string = review.task_id;
    await untilWaiting(client, plain);
    await expect(client.signal(plain, 'approval', { approved: true })).resolves.toMatchObject({
      taken: 'resumed',
    });
    using untyped = createClient<AnyWorkflows>({ url: server.url });
    expectTypeOf(untyped.signal).parameter(1).toEqualTypeOf<string>();
  });
});
