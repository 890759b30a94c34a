import { startTestServer, type TestServer } from '@kaygraph/api/testing';
import type { GroupEvent } from '@kaygraph/contracts';
import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, expectTypeOf, test } from 'vitest';
import {
  type AnyWorkflows,
  createClient,
  type KayGraphClient,
  type TaskIdOf,
  type TypedSchema,
} from '../src/index.ts';

/**
 * The test server's workflows (services/api/test/fixtures/catalog.ts) as an app's own catalog types them
 * (`createClient<typeof catalog.workflows>` gives the same shape from defineWorkflow).
 */
interface FixtureWorkflows {
  steps: {
    name: 'steps';
    aliases: readonly ['data_processing'];
    params: TypedSchema<{ steps?: number; delay_ms?: number; fail?: boolean }, unknown>;
    result: TypedSchema<unknown, { steps_done: number }>;
  };
  echo: {
    name: 'echo';
    aliases: readonly [];
    params: TypedSchema<{ value: string }, unknown>;
    result: TypedSchema<unknown, { value: string }>;
  };
  approval: {
    name: 'approval';
    aliases: readonly [];
    params: TypedSchema<Record<string, never>, unknown>;
    result: TypedSchema<unknown, { approved: boolean }>;
  };
}

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
});

/** Follows a task until it ends. */
async function untilDone(
  client: { watch(taskId: string): AsyncIterable<unknown> },
  taskId: string,
): Promise<void> {
  for await (const _event of client.watch(taskId));
}

/** The error body and HTTP status a refused call answered with. */
async function refusal(call: Promise<unknown>): Promise<unknown> {
  const error = await call.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof TRPCClientError)) throw new Error(`expected an API error, got ${String(error)}`);
  return { status: error.data?.httpStatus, ...error.data?.errorBody };
}

describe('tasks.get, typed by the workflow', () => {
  test("an id from submit types the task's result; a plain id gives a union narrowed by `workflow`", async () => {
    using client = createClient<FixtureWorkflows>({ url: server.url });
    const { task_id } = await client.tasks.submit.mutate({ workflow: 'echo', params: { value: 'got' } });
    await untilDone(client, task_id);
    const task = await client.tasks.get.query({ task_id });
    expect(task).toMatchObject({ task_id, workflow: 'echo', status: 'completed', result: { value: 'got' } });
    expectTypeOf(task.result).toEqualTypeOf<{ value: string } | undefined>();
    expectTypeOf(task.workflow).toEqualTypeOf<'echo'>();
    // @ts-expect-error an echo task's result has no steps_done
    expect(task.result?.steps_done).toBeUndefined();

    const plain: string = task_id;
    const byPlainId = await client.tasks.get.query({ task_id: plain });
    expectTypeOf(byPlainId.workflow).toEqualTypeOf<'steps' | 'data_processing' | 'echo' | 'approval'>();
    if (byPlainId.workflow !== 'echo') throw new Error(`expected an echo task, got ${byPlainId.workflow}`);
    expectTypeOf(byPlainId.result).toEqualTypeOf<{ value: string } | undefined>();
    expect(byPlainId.result?.value).toBe('got');
  });
});

describe('tasks.result, typed by the workflow', () => {
  test('an id from submit types the result by its workflow', async () => {
    using client = createClient<FixtureWorkflows>({ url: server.url });
    const { task_id } = await client.tasks.submit.mutate({ workflow: 'echo', params: { value: 'hi' } });
    expectTypeOf(task_id).toEqualTypeOf<TaskIdOf<'echo'>>();
    await untilDone(client, task_id);
    const outcome = await client.tasks.result.query({ task_id });
    expect(outcome).toMatchObject({ workflow: 'echo', status: 'completed', result: { value: 'hi' } });
    expectTypeOf(outcome.result).toEqualTypeOf<{ value: string } | undefined>();
    expectTypeOf(outcome.workflow).toEqualTypeOf<'echo'>();
  });

  test('waitFor: another client waits for a task by its id and gets its outcome, typed', async () => {
    using submitter = createClient<FixtureWorkflows>({ url: server.url });
    const { task_id } = await submitter.submit({ workflow: 'steps', params: { steps: 3, delay_ms: 30 } });
    using waiter = createClient<FixtureWorkflows>({ url: server.url });
    const progress: number[] = [];
    const outcome = await waiter.waitFor(task_id, { onProgress: (event) => progress.push(event.progress) });
    expect(outcome).toMatchObject({
      task_id,
      workflow: 'steps',
      status: 'completed',
      result: { steps_done: 3 },
    });
    expectTypeOf(outcome.result).toEqualTypeOf<{ steps_done: number } | undefined>();
    expect(progress.length).toBeGreaterThan(0);
    // Finished already: answered from its history; a failed task is an outcome too, not a throw.
    expect((await waiter.waitFor(task_id)).status).toBe('completed');
    const failing = await submitter.submit({
      workflow: 'steps',
      params: { steps: 1, delay_ms: 0, fail: true },
    });
    expect(await waiter.waitFor(failing.task_id)).toMatchObject({
      status: 'failed',
      error: { message: 'failed on purpose' },
    });
    // An id nobody submitted is the api's 404.
    await expect(refusal(waiter.waitFor('6f1f4c38-8a6f-4a1b-9c1e-2b7d3f4e5a60'))).resolves.toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
    });
  });

  test('a plain id, the workflow named: typed, and checked by the api (an alias counts as the workflow)', async () => {
    using client = createClient<FixtureWorkflows>({ url: server.url });
    const submitted = await client.submit({ workflow: 'steps', params: { steps: 2, delay_ms: 0 } });
    await untilDone(client, submitted.task_id);
    const plain: string = submitted.task_id;

    const named = await client.tasks.result.query({ task_id: plain, workflow: 'steps' });
    expect(named).toMatchObject({ workflow: 'steps', result: { steps_done: 2 } });
    expectTypeOf(named.result).toEqualTypeOf<{ steps_done: number } | undefined>();
    const byAlias = await client.tasks.result.query({ task_id: plain, workflow: 'data_processing' });
    expect(byAlias.result).toEqual({ steps_done: 2 });
    expectTypeOf(byAlias.result).toEqualTypeOf<{ steps_done: number } | undefined>();

    // Named wrong, the result type would lie: the api refuses with a 409 naming both workflows.
    await expect(refusal(client.tasks.result.query({ task_id: plain, workflow: 'echo' }))).resolves.toEqual({
      status: 409,
      code: 'CONFLICT',
      message: `task ${plain} is of workflow "steps", not "echo"`,
      issues: [{ path: 'workflow', message: 'the task is of workflow "steps"' }],
    });
  });

  test('a plain id alone: a union of the catalog, narrowed by `workflow`', async () => {
    using client = createClient<FixtureWorkflows>({ url: server.url });
    const submitted = await client.submit({ workflow: 'echo', params: { value: 'plain' } });
    await untilDone(client, submitted.task_id);
    const plain: string = submitted.task_id;
    const outcome = await client.tasks.result.query({ task_id: plain });
    expectTypeOf(outcome.workflow).toEqualTypeOf<'steps' | 'data_processing' | 'echo' | 'approval'>();
    if (outcome.workflow !== 'echo') throw new Error(`expected an echo task, got ${outcome.workflow}`);
    expectTypeOf(outcome.result).toEqualTypeOf<{ value: string } | undefined>();
    expect(outcome.result?.value).toBe('plain');
  });

  test('a task of another workflow is refused before its state: CONFLICT, not RESULT_NOT_READY', async () => {
    using client = createClient<FixtureWorkflows>({ url: server.url });
    const { task_id } = await client.submit({ workflow: 'approval' }); // waits for a signal
    await expect(
      refusal(client.tasks.result.query({ task_id, workflow: 'approval' })),
    ).resolves.toMatchObject({
      status: 409,
      code: 'RESULT_NOT_READY',
    });
    const plain: string = task_id;
    await expect(
      refusal(client.tasks.result.query({ task_id: plain, workflow: 'echo' })),
    ).resolves.toMatchObject({
      status: 409,
      code: 'CONFLICT',
    });
    // a name no workflow has is a conflict too (the task is of none of them)
    using untyped = createClient({ url: server.url });
    await expect(
      refusal(untyped.tasks.result.query({ task_id: plain, workflow: 'no_such' })),
    ).resolves.toMatchObject({
      status: 409,
      code: 'CONFLICT',
      message: `task ${task_id} is of workflow "approval", not "no_such"`,
    });
    await client.tasks.cancel.mutate({ task_id });
  });

  test('wrong names and unchecked assumptions do not compile (the @ts-expect-error lines are checked by tsc)', async () => {
    using client = createClient<FixtureWorkflows>({ url: server.url });
    const echo = await client.submit({ workflow: 'echo', params: { value: 'x' } });
    const plain: string = echo.task_id;
    const misuse = () => [
      // @ts-expect-error not a workflow of the catalog
      client.tasks.result.query({ task_id: plain, workflow: 'no_such' }),
      // @ts-expect-error the id came from a submit of echo
      client.tasks.result.query({ task_id: echo.task_id, workflow: 'steps' }),
      // @ts-expect-error a type argument alone is a cast nothing checks: name the workflow instead
      client.tasks.result.query<'echo'>({ task_id: plain }),
    ];
    expect(typeof misuse).toBe('function');
    await untilDone(client, echo.task_id);
    const outcome = await client.tasks.result.query({ task_id: echo.task_id });
    // @ts-expect-error an echo result has no steps_done
    expect(outcome.result?.steps_done).toBeUndefined();
  });
});

describe('submitMany, typed by each task’s workflow', () => {
  test('each task is checked against its own workflow; each id answers for its own', async () => {
    using client = createClient<FixtureWorkflows>({ url: server.url });
    const { tasks } = await client.tasks.submitMany.mutate({
      tasks: [
        { workflow: 'echo', params: { value: 'first' } },
        { workflow: 'steps', params: { steps: 1, delay_ms: 0 } },
      ],
    });
    const [echo, steps] = tasks;
    expectTypeOf(echo.task_id).toEqualTypeOf<TaskIdOf<'echo'>>();
    expectTypeOf(steps.task_id).toEqualTypeOf<TaskIdOf<'steps'>>();
    await Promise.all(tasks.map((task) => untilDone(client, task.task_id)));
    const [echoed, stepped] = await Promise.all([
      client.tasks.result.query({ task_id: echo.task_id }),
      client.tasks.result.query({ task_id: steps.task_id }),
    ]);
    expect([echoed.result?.value, stepped.result?.steps_done]).toEqual(['first', 1]);

    // Built as an array, the ids carry the workflow all the same.
    const values = ['a', 'b', 'c'];
    const batch = await client.tasks.submitMany.mutate({
      tasks: values.map((value) => ({ workflow: 'echo' as const, params: { value } })),
    });
    expectTypeOf(batch.tasks).toEqualTypeOf<
      (Omit<(typeof tasks)[0], 'task_id'> & { task_id: TaskIdOf<'echo'> })[]
    >();
    expect(batch.tasks).toHaveLength(3);

    const misuse = () => [
      client.tasks.submitMany.mutate({
        // @ts-expect-error echo's value is a string (the first task, of steps, is fine)
        tasks: [{ workflow: 'steps' }, { workflow: 'echo', params: { value: 1 } }],
      }),
      // @ts-expect-error echo has no `steps` param
      client.tasks.submitMany.mutate({ tasks: [{ workflow: 'echo', params: { value: 'x', steps: 2 } }] }),
      // @ts-expect-error echo needs its params
      client.tasks.submitMany.mutate({ tasks: [{ workflow: 'echo' }] }),
      // @ts-expect-error not a workflow of the catalog
      client.tasks.submitMany.mutate({ tasks: [{ workflow: 'no_such' }] }),
    ];
    expect(typeof misuse).toBe('function');
  });
});

describe('groups, typed by their tasks’ workflows', () => {
  test('create and addTasks check each task; get types each result by its workflow', async () => {
    using client = createClient<FixtureWorkflows>({ url: server.url });
    const group = await client.groups.create.mutate({
      name: 'typed',
      tasks: [
        { workflow: 'echo', params: { value: 'in a group' } },
        { workflow: 'data_processing', params: { steps: 1, delay_ms: 0 } },
      ],
    });
    const [echo, steps] = group.tasks;
    expectTypeOf(echo.task_id).toEqualTypeOf<TaskIdOf<'echo'>>();
    expectTypeOf(steps.task_id).toEqualTypeOf<TaskIdOf<'data_processing'>>();
    await untilGroupEnds(client, group.group_id);

    const view = await client.groups.get.query({ group_id: group.group_id });
    const results = view.tasks.map((task) => {
      // `workflow` discriminates: each branch sees its own workflow's result type
      if (task.workflow === 'echo') return task.result?.value;
      if (task.workflow === 'steps' || task.workflow === 'data_processing') return task.result?.steps_done;
      return undefined;
    });
    expect(results.sort()).toEqual([1, 'in a group']);
    // An alias submit is stored under the workflow's name.
    expect(view.tasks.map((task) => task.workflow).sort()).toEqual(['echo', 'steps']);

    const held = await client.groups.create.mutate({ name: 'held' });
    const added = await client.groups.addTasks.mutate({
      group_id: held.group_id,
      tasks: [{ workflow: 'echo', params: { value: 'held' } }],
    });
    expectTypeOf(added.tasks[0].task_id).toEqualTypeOf<TaskIdOf<'echo'>>();
    await client.groups.execute.mutate({ group_id: held.group_id });
    await untilDone(client, added.tasks[0].task_id);
    await expect(client.tasks.result.query({ task_id: added.tasks[0].task_id })).resolves.toMatchObject({
      result: { value: 'held' },
    });

    const misuse = () => [
      // @ts-expect-error echo's value is a string
      client.groups.create.mutate({ name: 'bad', tasks: [{ workflow: 'echo', params: { value: 2 } }] }),
      client.groups.addTasks.mutate({
        group_id: held.group_id,
        // @ts-expect-error a group's tasks take no group_id
        tasks: [{ workflow: 'approval', group_id: 'x' }],
      }),
    ];
    expect(typeof misuse).toBe('function');
  });
});

describe('without a catalog', () => {
  test('any workflow and params; results are unknown until checked', async () => {
    using client = createClient({ url: server.url });
    expectTypeOf(client).toEqualTypeOf<KayGraphClient<AnyWorkflows>>();
    const { tasks } = await client.tasks.submitMany.mutate({
      tasks: [{ workflow: 'echo', params: { value: 'u' } }],
    });
    await untilDone(client, tasks[0].task_id);
    const outcome = await client.tasks.result.query({ task_id: tasks[0].task_id });
    expectTypeOf(outcome.result).toEqualTypeOf<unknown>();
    expectTypeOf(outcome.workflow).toEqualTypeOf<string>();
    expect(outcome).toMatchObject({ workflow: 'echo', result: { value: 'u' } });
  });
});

/** Follows a group's subscription until it reports the group finished. */
async function untilGroupEnds(
  client: KayGraphClient<FixtureWorkflows>,
  groupId: string,
): Promise<GroupEvent[]> {
  return new Promise<GroupEvent[]>((resolve, reject) => {
    const seen: GroupEvent[] = [];
    const subscription = client.groups.events.subscribe(
      { group_id: groupId },
      {
        onData: (tracked) => seen.push(tracked.data),
        onError: reject,
        onComplete: () => {
          subscription.unsubscribe();
          resolve(seen);
        },
      },
    );
  });
}

describe('schedules.create, typed by the workflow', () => {
  test("a schedule's params follow its workflow (the @ts-expect-error lines are checked by tsc)", async () => {
    using client = createClient<FixtureWorkflows>({ url: server.url });
    const schedule = await client.schedules.create.mutate({
      name: 'typed echo',
      cron: '0 9 * * *',
      workflow: 'echo',
      params: { value: 'morning' },
    });
    expect(schedule).toMatchObject({ workflow: 'echo', params: { value: 'morning' } });
    const misuse = () => [
      // @ts-expect-error echo's value is a string
      client.schedules.create.mutate({ cron: '0 9 * * *', workflow: 'echo', params: { value: 4 } }),
      // @ts-expect-error echo needs a value
      client.schedules.create.mutate({ cron: '0 9 * * *', workflow: 'echo' }),
      // @ts-expect-error not a workflow of the catalog
      client.schedules.create.mutate({ cron: '0 9 * * *', workflow: 'no_such_workflow' }),
    ];
    expect(typeof misuse).toBe('function');
    await client.schedules.delete.mutate({ schedule_id: schedule.schedule_id });
  });
});
