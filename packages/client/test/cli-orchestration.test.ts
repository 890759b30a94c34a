import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestServer, type TestServer } from '@kaygraph/api/testing';
import { ListDeadLettersOutput, ListSchedulesOutput, ScheduleView } from '@kaygraph/contracts';
import { initTRPC } from '@trpc/server';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createClient } from '../src/index.ts';
import { kaygraph, kaygraphProcess, parseJson } from './cli-helpers.ts';

/**
 * `schedules` and `dlq` call procedures that arrive with the orchestration features. Against an
 * api without them (here: a real tRPC server of an older release, which only has `health`), the
 * CLI says so instead of printing a stack or a bare 404.
 */
let server: Server;
let url: string;

beforeAll(async () => {
  const t = initTRPC.create();
  const router = t.router({ health: t.procedure.query(() => ({ status: 'ok' })) });
  const handler = createHTTPHandler({ router, basePath: '/trpc/' });
  server = createServer((req, res) => {
    if (req.url?.startsWith('/trpc/')) handler(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
});

describe('schedules and dlq on an api without them', () => {
  test.each([
    [['schedules', 'list'], 'schedules.list'],
    [['schedules', 'create', '--name', 'n', '--cron', '0 9 * * *', '--workflow', 'demo'], 'schedules.create'],
    [['schedules', 'pause', '00000000-0000-4000-8000-000000000000'], 'schedules.pause'],
    [['dlq', 'list'], 'deadLetters.list'],
    [['dlq', 'redrive', '00000000-0000-4000-8000-000000000000'], 'deadLetters.redrive'],
    [['dlq', 'purge', '00000000-0000-4000-8000-000000000000'], 'deadLetters.purge'],
    [['groups', 'cancel', '00000000-0000-4000-8000-000000000000'], 'groups.cancel'],
  ])('kaygraph %s names the missing %s procedure', async (args, path) => {
    const run = await kaygraph(args, { KAYGRAPH_URL: url });
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(
      `error: UNAVAILABLE: the api at ${url} has no ${path} procedure: this server does not offer that ` +
        'feature (it arrives with a newer api release)',
    );
  });

  test('--json reports it as a JSON error', async () => {
    const run = await kaygraphProcess(['dlq', 'list', '--json'], { KAYGRAPH_URL: url });
    expect(run.code).toBe(1);
    expect(parseJson(run.stderr)).toEqual({
      error: { code: 'UNAVAILABLE', message: expect.stringContaining('has no deadLetters.list procedure') },
    });
  });

  test('usage is checked before any call: schedules update needs a change, --limit a number', async () => {
    const run = await kaygraph(['schedules', 'update', '00000000-0000-4000-8000-000000000000'], {
      KAYGRAPH_URL: url,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('nothing to update');
    for (const command of [
      ['dlq', 'list'],
      ['schedules', 'list'],
    ]) {
      const limited = await kaygraph([...command, '--limit', 'abc'], { KAYGRAPH_URL: url });
      expect(limited.code, command.join(' ')).toBe(2);
      expect(limited.stderr).toContain('--limit must be a whole number');
    }
  });
});

describe('schedules and dlq on the real api', () => {
  let api: TestServer;
  let env: Record<string, string>;

  beforeAll(async () => {
    api = await startTestServer({ operations: {} });
    env = { KAYGRAPH_URL: api.url };
  });
  afterAll(async () => {
    await api?.[Symbol.asyncDispose]();
  });

  test('create, list, pause, resume, update and delete a schedule', async () => {
    const created = await kaygraph(
      [
        'schedules',
        'create',
        '--name',
        'nightly',
        '--cron',
        '0 2 * * *',
        '--workflow',
        'echo',
        '--params',
        '{"value": "n"}',
        '--json',
      ],
      env,
    );
    expect(created.code).toBe(0);
    const schedule = ScheduleView.parse(parseJson(created.stdout));
    expect(schedule).toMatchObject({ name: 'nightly', cron: '0 2 * * *', timezone: 'UTC', enabled: true });
    const id = schedule.schedule_id;

    const table = await kaygraph(['schedules', 'list'], env);
    expect(table.stdout).toMatch(
      new RegExp(`^${id}\\s+nightly\\s+enabled\\s+0 2 \\* \\* \\*\\s+UTC\\s+echo`, 'm'),
    );

    const paused = await kaygraph(['schedules', 'pause', id], env);
    expect(paused.stdout).toContain(`${id} nightly paused`);
    const resumed = await kaygraph(['schedules', 'resume', id, '--json'], env);
    expect(ScheduleView.parse(parseJson(resumed.stdout)).enabled).toBe(true);
    const updated = await kaygraph(
      ['schedules', 'update', id, '--cron', '30 6 * * 1-5', '--timezone', 'Europe/Berlin'],
      env,
    );
    expect(updated.code).toBe(0);
    expect(updated.stdout).toContain('"30 6 * * 1-5" Europe/Berlin -> echo');

    const bad = await kaygraph(
      ['schedules', 'create', '--name', 'bad', '--cron', '61 * * * *', '--workflow', 'echo'],
      env,
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error: (BAD_REQUEST|INVALID_PARAMS): /);
    // The reason once: an issue that only repeats the error's message is not printed again below it.
    expect(bad.stderr.match(/expected range 0-59/g)).toHaveLength(1);

    expect((await kaygraph(['schedules', 'delete', id], env)).stdout.trim()).toBe(`${id} deleted`);
    const after = ListSchedulesOutput.parse(
      parseJson((await kaygraph(['schedules', 'list', '--json'], env)).stdout),
    );
    expect(after.items).toEqual([]);
  });

  test('schedules create --concurrency-key gives each run the key; update --clear-concurrency-key drops it', async () => {
    const created = await kaygraph(
      [
        'schedules',
        'create',
        '--name',
        'per account',
        '--cron',
        '0 2 * * *',
        '--workflow',
        'keyed_echo',
        '--params',
        '{"value": "k"}',
        '--concurrency-key',
        'acct-7',
        '--json',
      ],
      env,
    );
    expect(created.code).toBe(0);
    const schedule = ScheduleView.parse(parseJson(created.stdout));
    expect(schedule.concurrency_key).toBe('acct-7');
    const cleared = await kaygraph(
      ['schedules', 'update', schedule.schedule_id, '--clear-concurrency-key', '--json'],
      env,
    );
    expect(ScheduleView.parse(parseJson(cleared.stdout)).concurrency_key).toBeNull();
    const refused = await kaygraph(
      [
        'schedules',
        'create',
        '--name',
        'x',
        '--cron',
        '0 2 * * *',
        '--workflow',
        'echo',
        '--params',
        '{"value": "k"}',
        '--concurrency-key',
        'k',
      ],
      env,
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('declares no concurrency_per_key');
    expect((await kaygraph(['schedules', 'delete', schedule.schedule_id], env)).code).toBe(0);
  });

  test('dlq redrive --all with a limit says when more dead letters remain', async () => {
    const failing = ['--params', '{"steps": 1, "delay_ms": 1, "fail": true}', '--max-retries', '0'];
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const failed = await kaygraph(['submit', 'steps', ...failing, '--wait'], env);
      ids.push(/submitted ([0-9a-f-]{36})/.exec(failed.stderr)?.[1] ?? '');
    }
    expect(ids.every(Boolean)).toBe(true);
    // The queue moves each job to the dead-letter queue as it fails; wait until both are listed there.
    const bothListed = async () => {
      const page = ListDeadLettersOutput.parse(
        parseJson((await kaygraph(['dlq', 'list', '--json'], env)).stdout),
      );
      return ids.every((id) => page.items.some((item) => item.task_id === id));
    };
    while (!(await bothListed())) await new Promise((resolve) => setTimeout(resolve, 50));
    const some = await kaygraph(['dlq', 'redrive', '--all', '--limit', '1'], env);
    expect(some.code).toBe(0);
    expect(some.stdout.trim()).toBe('redrove 1 dead letter(s); more remain: run it again');
  });

  test('a task out of retries shows in dlq list; redrive queues it again; purge drops it', async () => {
    const failed = await kaygraph(
      [
        'submit',
        'steps',
        '--params',
        '{"steps": 1, "delay_ms": 1, "fail": true}',
        '--max-retries',
        '0',
        '--wait',
      ],
      env,
    );
    expect(failed.code).toBe(1);
    const taskId = /submitted ([0-9a-f-]{36})/.exec(failed.stderr)?.[1] ?? '';

    // The queue moves the job to the dead-letter queue as it fails; wait until it is listed there.
    let page = ListDeadLettersOutput.parse(
      parseJson((await kaygraph(['dlq', 'list', '--json'], env)).stdout),
    );
    while (!page.items.some((item) => item.task_id === taskId)) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      page = ListDeadLettersOutput.parse(parseJson((await kaygraph(['dlq', 'list', '--json'], env)).stdout));
    }
    const table = await kaygraph(['dlq', 'list'], env);
    expect(table.stdout).toMatch(/^TASK\s+WORKFLOW\s+ATTEMPTS\s+NODE\s+ERROR\s+DEAD SINCE$/m);
    expect(table.stdout).toMatch(
      new RegExp(`^${taskId}\\s+steps\\s+1\\s+steps\\s+WORKFLOW_ERROR: failed on purpose`, 'm'),
    );
    // `dlq` alone lists, as `dlq list` does (it used to print its help and exit 2).
    const bare = await kaygraph(['dlq'], env);
    expect(bare.code).toBe(0);
    expect(bare.stdout).toBe(table.stdout);

    const redriven = await kaygraph(['dlq', 'redrive', taskId], env);
    expect(redriven.code).toBe(0);
    expect(redriven.stdout).toMatch(new RegExp(`^${taskId} \\w+$`, 'm'));
    expect((await kaygraph(['watch', taskId], env)).code).toBe(1);

    while (
      !ListDeadLettersOutput.parse(
        parseJson((await kaygraph(['dlq', 'list', '--json'], env)).stdout),
      ).items.some((item) => item.task_id === taskId)
    ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const purged = await kaygraph(['dlq', 'purge', taskId], env);
    expect(purged.code).toBe(0);
    expect(purged.stdout.trim()).toBe(`${taskId} purged`);
    const left = ListDeadLettersOutput.parse(
      parseJson((await kaygraph(['dlq', 'list', '--json'], env)).stdout),
    );
    expect(left.items.some((item) => item.task_id === taskId)).toBe(false);
  });

  test('groups cancel cancels the unfinished tasks of a group; a completed group is a 409', async () => {
    const client = createClient({ url: api.url });
    try {
      const group = await client.groups.create.mutate({
        name: 'later',
        tasks: [1, 2].map(() => ({ workflow: 'echo', params: { value: 'x' }, delay_seconds: 3600 })),
      });
      const id = group.group_id;
      const cancelled = await kaygraph(['groups', 'cancel', id], env);
      expect(cancelled.code).toBe(0);
      expect(cancelled.stdout.trim()).toBe(`${id} cancelled: cancelled 2 task(s)`);
      for (const task of group.tasks) {
        expect((await client.tasks.get.query({ task_id: task.task_id })).status).toBe('cancelled');
      }
      // Cancelling a cancelled group again changes nothing; a group that finished otherwise is a 409.
      const again = await kaygraph(['groups', 'cancel', id], env);
      expect(again.stdout.trim()).toBe(`${id} cancelled: cancelled 0 task(s)`);
      const done = await client.groups.create.mutate({
        name: 'done',
        tasks: [{ workflow: 'echo', params: { value: 'y' } }],
      });
      while ((await client.groups.get.query({ group_id: done.group_id })).status !== 'completed') {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const finished = await kaygraph(['groups', 'cancel', done.group_id, '--json'], env);
      expect(finished.code).toBe(1);
      expect(parseJson(finished.stderr)).toEqual({
        error: { code: 'CONFLICT', message: expect.stringContaining('is already completed') },
      });
      const missing = await kaygraph(['groups', 'cancel', '00000000-0000-4000-8000-000000000000'], env);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/^error: NOT_FOUND: /);
    } finally {
      client.close();
    }
  });
});
