import type {
  CreateGroupOutput,
  GroupEvent,
  GroupView,
  ListDeadLettersOutput,
  ListGroupsOutput,
  ListSchedulesOutput,
  RedriveAllOutput,
  ScheduleView,
  SubmitTaskOutput,
  TaskView,
} from '@kaygraph/contracts';
import { describe, expect, test } from 'vitest';
import { buildOpenApiDocument } from '../src/openapi.ts';
import { useTestServer } from './harness.ts';
import { readSse, requestJson, waitForTerminal } from './http-helpers.ts';
import { createOpenApiChecker } from './openapi-check.ts';

/** Groups, schedules, dead letters and chaining over REST, every answer checked against the OpenAPI document. */
const server = useTestServer();
const document = buildOpenApiDocument();
const check = createOpenApiChecker(document);

async function rest<T>(method: string, template: string, path: string, body?: unknown) {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.headers = { 'content-type': 'application/json' };
    init.body = JSON.stringify(body);
  }
  const answer = await requestJson(`${server.url}${path}`, init);
  check(method, template, answer.status, answer.body);
  return { status: answer.status, body: answer.body as T };
}

const UNKNOWN = '6f1f4c38-8a6f-4a1b-9c1e-2b7d3f4e5a60';

describe('groups over REST', () => {
  test('POST /groups, the SSE stream to the end, GET /groups/{group_id}, list and cancel', async () => {
    const created = await rest<CreateGroupOutput>('POST', '/groups', '/groups', {
      name: 'batch_processing',
      tasks: [
        { workflow: 'echo', params: { value: 'a' } },
        { workflow: 'echo', params: { value: 'b' } },
        { workflow: 'steps', params: { steps: 3, delay_ms: 20, fail: true } },
      ],
    });
    expect(created.status).toBe(200);
    expect(created.body.tasks).toHaveLength(3);
    const groupId = created.body.group_id;

    const response = await fetch(`${server.url}/groups/${groupId}/stream`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const events: GroupEvent[] = [];
    for await (const message of readSse(response.body as ReadableStream<Uint8Array>)) {
      if (message.data === undefined) continue;
      const event = JSON.parse(message.data) as GroupEvent;
      expect(message.event).toBe(event.type);
      events.push(event);
    }
    expect(events[0]?.type).toBe('group');
    const last = events.at(-1);
    expect(last).toMatchObject({
      type: 'group',
      group: { status: 'partially_failed', total: 3, progress: 100, counts: { completed: 2, failed: 1 } },
    });
    expect(events.some((event) => event.type === 'task' && event.event.type === 'progress')).toBe(true);

    const view = await rest<GroupView>('GET', '/groups/{group_id}', `/groups/${groupId}`);
    expect(view.status).toBe(200);
    expect(view.body.tasks.map((task) => task.result).filter(Boolean)).toEqual(
      expect.arrayContaining([{ value: 'a' }, { value: 'b' }]),
    );
    const list = await rest<ListGroupsOutput>('GET', '/groups', '/groups?limit=5');
    expect(list.body.items.map((group) => group.group_id)).toContain(groupId);
    expect((await rest('DELETE', '/groups/{group_id}', `/groups/${groupId}`)).status).toBe(409);

    const long = await rest<CreateGroupOutput>('POST', '/groups', '/groups', {
      name: 'long',
      tasks: [{ workflow: 'steps', params: { steps: 200, delay_ms: 200 } }],
    });
    const cancelled = await rest('DELETE', '/groups/{group_id}', `/groups/${long.body.group_id}`);
    expect(cancelled).toEqual({
      status: 200,
      body: { group_id: long.body.group_id, status: 'cancelled', cancelled: 1 },
    });
  });

  test("the spec's flow: POST /groups, POST /groups/{id}/tasks (held), POST /groups/{id}/execute", async () => {
    const created = await rest<CreateGroupOutput>('POST', '/groups', '/groups', { name: 'spec flow' });
    expect(created.status).toBe(200);
    const groupId = created.body.group_id;
    const added = await rest<{ group_id: string; tasks: SubmitTaskOutput[] }>(
      'POST',
      '/groups/{group_id}/tasks',
      `/groups/${groupId}/tasks`,
      {
        tasks: [
          { workflow: 'echo', params: { value: 'a' } },
          { workflow: 'echo', params: { value: 'b' } },
        ],
      },
    );
    expect(added.status).toBe(200);
    expect(added.body.tasks.map((task) => task.status)).toEqual(['pending', 'pending']);
    const held = await rest<GroupView>('GET', '/groups/{group_id}', `/groups/${groupId}`);
    expect(held.body).toMatchObject({ status: 'pending', total: 2, counts: { pending: 2 } });
    const executed = await rest('POST', '/groups/{group_id}/execute', `/groups/${groupId}/execute`);
    expect(executed.status).toBe(200);
    expect(executed.body).toMatchObject({ group_id: groupId, released: 2 });
    for (const task of added.body.tasks)
      expect(await waitForTerminal(server.url, task.task_id)).toBe('completed');
    const done = await rest<GroupView>('GET', '/groups/{group_id}', `/groups/${groupId}`);
    expect(done.body).toMatchObject({ status: 'completed', total: 2 });
    const unknown = await rest('POST', '/groups/{group_id}/execute', `/groups/${UNKNOWN}/execute`);
    expect(unknown.status).toBe(404);
  });

  test('a finished group takes no new tasks: 409, and it stays completed', async () => {
    const created = await rest<CreateGroupOutput>('POST', '/groups', '/groups', {
      name: 'done once',
      tasks: [{ workflow: 'echo', params: { value: 'a' }, idempotency_key: 'done-once-a' }],
    });
    const groupId = created.body.group_id;
    // The group's stream ends once the group has finished.
    const stream = await fetch(`${server.url}/groups/${groupId}/stream`);
    let last: GroupEvent | undefined;
    for await (const message of readSse(stream.body as ReadableStream<Uint8Array>)) {
      if (message.data !== undefined) last = JSON.parse(message.data) as GroupEvent;
    }
    expect(last).toMatchObject({ type: 'group', group: { status: 'completed' } });
    const finished = await rest<GroupView>('GET', '/groups/{group_id}', `/groups/${groupId}`);

    const refusal = {
      code: 'CONFLICT',
      message: `group ${groupId} has finished (completed); it takes no new tasks`,
      issues: [{ path: 'group_id', message: 'group finished' }],
    };
    const added = await rest('POST', '/groups/{group_id}/tasks', `/groups/${groupId}/tasks`, {
      tasks: [{ workflow: 'echo', params: { value: 'b' } }],
    });
    expect(added).toEqual({ status: 409, body: refusal });
    const submitted = await rest('POST', '/tasks', '/tasks', {
      workflow: 'echo',
      params: { value: 'c' },
      group_id: groupId,
    });
    expect(submitted).toEqual({ status: 409, body: refusal });
    // A repeat of the request that made its task is no new task: it gets that task back.
    const repeated = await rest('POST', '/tasks', '/tasks', {
      workflow: 'echo',
      params: { value: 'a' },
      group_id: groupId,
      idempotency_key: 'done-once-a',
    });
    expect(repeated).toMatchObject({
      status: 202,
      body: { task_id: created.body.tasks[0]?.task_id, status: 'completed', deduplicated: true },
    });
    const after = await rest<GroupView>('GET', '/groups/{group_id}', `/groups/${groupId}`);
    expect(after.body).toEqual(finished.body);
    expect(after.body).toMatchObject({ status: 'completed', total: 1, completed_at: expect.any(String) });
  });

  test('GET /groups/{group_id} pages tasks whose results are large, never the whole group at once', async () => {
    // Three results of 3.5 MB: two fit in a page's 8 MiB of results, the third comes on the next page.
    const value = 'x';
    const repeat = 3_500_000;
    const created = await rest<CreateGroupOutput>('POST', '/groups', '/groups', {
      name: 'large results',
      tasks: Array.from({ length: 3 }, () => ({ workflow: 'echo', params: { value, repeat } })),
    });
    expect(created.status).toBe(200);
    const groupId = created.body.group_id;
    for (const task of created.body.tasks) {
      expect(await waitForTerminal(server.url, task.task_id)).toBe('completed');
    }
    const first = await rest<GroupView>('GET', '/groups/{group_id}', `/groups/${groupId}`);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'completed', total: 3 });
    const ids = created.body.tasks.map((task) => task.task_id);
    expect(first.body.tasks.map((task) => task.task_id)).toEqual(ids.slice(0, 2));
    expect(first.body.tasks.map((task) => (task.result as { value: string }).value.length)).toEqual([
      repeat,
      repeat,
    ]);
    expect(first.body.tasks_next_cursor).toEqual(expect.any(String));
    const cursor = encodeURIComponent(first.body.tasks_next_cursor ?? '');
    const second = await rest<GroupView>(
      'GET',
      '/groups/{group_id}',
      `/groups/${groupId}?tasks_cursor=${cursor}`,
    );
    expect(second.body.tasks.map((task) => task.task_id)).toEqual(ids.slice(2));
    expect(second.body.tasks_next_cursor).toBeNull();
    // A limit pages by count as well.
    const one = await rest<GroupView>('GET', '/groups/{group_id}', `/groups/${groupId}?tasks_limit=1`);
    expect(one.body.tasks.map((task) => task.task_id)).toEqual(ids.slice(0, 1));
    // A cursor it did not issue is a 400 naming the parameter it came in.
    const bogus = await rest<{ issues: { path: string }[] }>(
      'GET',
      '/groups/{group_id}',
      `/groups/${groupId}?tasks_cursor=bogus`,
    );
    expect(bogus.status).toBe(400);
    expect(bogus.body.issues).toEqual([{ path: 'tasks_cursor', message: 'invalid cursor' }]);
  });

  test('unknown and malformed groups, invalid tasks', async () => {
    expect((await rest('GET', '/groups/{group_id}', `/groups/${UNKNOWN}`)).status).toBe(404);
    expect((await rest('GET', '/groups/{group_id}', '/groups/nope')).status).toBe(400);
    const stream = await fetch(`${server.url}/groups/${UNKNOWN}/stream`);
    expect(stream.status).toBe(404);
    expect(await stream.json()).toMatchObject({ code: 'NOT_FOUND' });
    const bad = await rest<{ code: string; issues: { path: string }[] }>('POST', '/groups', '/groups', {
      name: 'bad',
      tasks: [{ workflow: 'echo', params: {} }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('INVALID_PARAMS');
  });
});

describe('chaining and delayed tasks over REST', () => {
  test('depends_on answers 202 blocked; the dependent runs after its dependency', async () => {
    const first = await rest<SubmitTaskOutput>('POST', '/tasks', '/tasks', {
      workflow: 'steps',
      params: { steps: 2, delay_ms: 200 },
    });
    const second = await rest<SubmitTaskOutput>('POST', '/tasks', '/tasks', {
      workflow: 'echo',
      params: { value: 'after' },
      // An id in upper case names the same task, in a body as in a path.
      depends_on: [first.body.task_id.toUpperCase()],
    });
    expect(second).toMatchObject({ status: 202, body: { status: 'blocked' } });
    expect(await waitForTerminal(server.url, second.body.task_id)).toBe('completed');
    const unknown = await rest('POST', '/tasks', '/tasks', {
      workflow: 'echo',
      params: { value: 'x' },
      depends_on: [UNKNOWN],
    });
    expect(unknown.status).toBe(404);
    const later = await rest<SubmitTaskOutput>('POST', '/tasks', '/tasks', {
      workflow: 'echo',
      params: { value: 'later' },
      run_at: new Date(Date.now() + 60_000).toISOString(),
    });
    expect(later.body.status).toBe('scheduled');
  });
});

describe('schedules over REST', () => {
  test('create, read, update, pause, resume, delete', async () => {
    const created = await rest<ScheduleView>('POST', '/schedules', '/schedules', {
      name: 'nightly',
      cron: '0 9 * * *',
      timezone: 'Europe/Berlin',
      workflow: 'echo',
      params: { value: 'summary' },
    });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ enabled: true, timezone: 'Europe/Berlin', last_run_at: null });
    expect(created.body.next_runs).toHaveLength(5);
    const id = created.body.schedule_id;

    const list = await rest<ListSchedulesOutput>('GET', '/schedules', '/schedules');
    expect(list.body.items.map((schedule) => schedule.schedule_id)).toEqual([id]);
    expect((await rest('GET', '/schedules/{schedule_id}', `/schedules/${id}`)).status).toBe(200);
    const updated = await rest<ScheduleView>('PATCH', '/schedules/{schedule_id}', `/schedules/${id}`, {
      cron: '*/15 * * * *',
    });
    expect(updated.body.cron).toBe('*/15 * * * *');
    const disabled = await rest<ScheduleView>('PATCH', '/schedules/{schedule_id}', `/schedules/${id}`, {
      enabled: false,
    });
    expect(disabled.body).toMatchObject({ enabled: false, next_runs: [] });
    const misspelt = await rest<{ code: string }>('PATCH', '/schedules/{schedule_id}', `/schedules/${id}`, {
      enabeld: true,
    });
    expect(misspelt).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST' } });
    expect(JSON.stringify(misspelt.body)).toContain('enabeld');
    const paused = await rest<ScheduleView>(
      'POST',
      '/schedules/{schedule_id}/pause',
      `/schedules/${id}/pause`,
    );
    expect(paused.body).toMatchObject({ enabled: false, next_runs: [] });
    const resumed = await rest<ScheduleView>(
      'POST',
      '/schedules/{schedule_id}/resume',
      `/schedules/${id}/resume`,
    );
    expect(resumed.body.enabled).toBe(true);
    expect(await rest('DELETE', '/schedules/{schedule_id}', `/schedules/${id}`)).toEqual({
      status: 200,
      body: { schedule_id: id, deleted: true },
    });
    expect((await rest('GET', '/schedules/{schedule_id}', `/schedules/${id}`)).status).toBe(404);
  });

  test("the spec's example without a name is accepted; the name comes from workflow and cron", async () => {
    const created = await rest<ScheduleView>('POST', '/schedules', '/schedules', {
      workflow: 'echo',
      cron: '0 9 * * *',
      params: { value: 'daily' },
    });
    expect(created.status).toBe(200);
    expect(created.body.name).toBe('echo 0 9 * * *');
    await rest('DELETE', '/schedules/{schedule_id}', `/schedules/${created.body.schedule_id}`);
  });

  test('bad cron and time zone answer 400 with the field', async () => {
    const cron = await rest<{ code: string; issues: { path: string }[] }>(
      'POST',
      '/schedules',
      '/schedules',
      {
        name: 'bad',
        cron: '0 25 * * *',
        workflow: 'echo',
        params: { value: 'x' },
      },
    );
    expect(cron.status).toBe(400);
    expect(cron.body.issues[0]?.path).toBe('cron');
    const zone = await rest<{ issues: { path: string }[] }>('POST', '/schedules', '/schedules', {
      name: 'bad',
      cron: '0 5 * * *',
      timezone: 'Nowhere/Special',
      workflow: 'echo',
      params: { value: 'x' },
    });
    expect(zone.status).toBe(400);
    expect(zone.body.issues[0]?.path).toBe('timezone');
  });
});

describe('dead letters over REST', () => {
  test('a task that exhausts its retries is listed; redrive, redrive all and purge', async () => {
    const submitted = await rest<SubmitTaskOutput>('POST', '/tasks', '/tasks', {
      workflow: 'steps',
      params: { steps: 1, delay_ms: 0, fail: true },
      max_retries: 1,
    });
    const taskId = submitted.body.task_id;
    expect(await waitForTerminal(server.url, taskId)).toBe('failed');
    const listed = async () =>
      (await rest<ListDeadLettersOutput>('GET', '/dead-letters', '/dead-letters?workflow=steps')).body.items;
    for (;;) {
      if ((await listed()).some((item) => item.task_id === taskId)) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const item = (await listed()).find((entry) => entry.task_id === taskId);
    expect(item?.error).toMatchObject({ message: 'failed on purpose' });
    expect(item?.attempts.map((attempt) => attempt.attempt)).toEqual([1, 2]);
    // Items leave params out, as GET /tasks does: the task's own answer has them.
    expect(Object.keys(item ?? {}).sort()).toEqual(
      [
        'task_id',
        'workflow',
        'priority',
        'status',
        'attempt',
        'max_retries',
        'error',
        'attempts',
        'group_id',
        'schedule_id',
        'created_at',
        'failed_at',
        'dead_lettered_at',
      ].sort(),
    );
    expect((await rest<TaskView>('GET', '/tasks/{task_id}', `/tasks/${taskId}`)).body.params).toEqual({
      steps: 1,
      delay_ms: 0,
      fail: true,
      fail_attempts: 0,
    });

    const redriven = await rest('POST', '/dead-letters/{task_id}/redrive', `/dead-letters/${taskId}/redrive`);
    expect(redriven).toEqual({ status: 200, body: { task_id: taskId, status: 'queued' } });
    // It fails again (the params say so) and is dead-lettered again.
    expect(await waitForTerminal(server.url, taskId)).toBe('failed');
    for (;;) {
      if ((await listed()).some((entry) => entry.task_id === taskId)) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(await rest('DELETE', '/dead-letters/{task_id}', `/dead-letters/${taskId}`)).toEqual({
      status: 200,
      body: { task_id: taskId, purged: true },
    });
    expect((await listed()).map((entry) => entry.task_id)).not.toContain(taskId);
    expect((await rest('DELETE', '/dead-letters/{task_id}', `/dead-letters/${taskId}`)).status).toBe(404);
    // Redrive all (of one workflow): exactly what the list shows.
    const waiting = (await listed()).map((entry) => entry.task_id).sort();
    const all = await rest<RedriveAllOutput>('POST', '/dead-letters/redrive', '/dead-letters/redrive', {
      workflow: 'steps',
    });
    expect(all.status).toBe(200);
    expect([...all.body.task_ids].sort()).toEqual(waiting);
    expect(all.body.redriven).toBe(waiting.length);
    expect(all.body.has_more).toBe(false);
  });
});

test('the OpenAPI document covers groups, schedules and dead letters', () => {
  const paths = document.paths ?? {};
  const expected: [string, string][] = [
    ['/groups', 'post'],
    ['/groups', 'get'],
    ['/groups/{group_id}', 'get'],
    ['/groups/{group_id}', 'delete'],
    ['/groups/{group_id}/stream', 'get'],
    ['/groups/{group_id}/tasks', 'post'],
    ['/groups/{group_id}/execute', 'post'],
    ['/schedules', 'get'],
    ['/schedules', 'post'],
    ['/schedules/{schedule_id}', 'get'],
    ['/schedules/{schedule_id}', 'patch'],
    ['/schedules/{schedule_id}', 'delete'],
    ['/schedules/{schedule_id}/pause', 'post'],
    ['/schedules/{schedule_id}/resume', 'post'],
    ['/dead-letters', 'get'],
    ['/dead-letters/redrive', 'post'],
    ['/dead-letters/{task_id}/redrive', 'post'],
    ['/dead-letters/{task_id}', 'delete'],
  ];
  for (const [path, method] of expected) {
    expect(paths[path]?.[method as 'get'], `${method.toUpperCase()} ${path}`).toBeDefined();
  }
  expect(document.components?.schemas?.GroupEvent).toBeDefined();
});
