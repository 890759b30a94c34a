import { startTestServer, type TestServer } from '@kaygraph/api/testing';
import { ListTasksOutput, MetricsSnapshot, SubmitTaskOutput, TaskView } from '@kaygraph/contracts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createClient } from '../src/index.ts';
import { kaygraph, kaygraphIntoHead, kaygraphProcess, parseJson, parseJsonLines } from './cli-helpers.ts';
import { startTcpProxy } from './tcp-proxy.ts';

/** The CLI against a real api (worker included), in open mode: no key needed. */
let server: TestServer;
let env: Record<string, string>;

beforeAll(async () => {
  server = await startTestServer({ operations: {} });
  env = { KAYGRAPH_URL: server.url };
});
afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
});

async function submitted(args: string[]): Promise<string> {
  const run = await kaygraph(['submit', ...args, '--json'], env);
  expect(run.code).toBe(0);
  return SubmitTaskOutput.parse(parseJson(run.stdout)).task_id;
}

describe('kaygraph submit / status / list / result', () => {
  test('output piped into a reader that stops early (| head -1) ends the command quietly', async () => {
    const taskId = await submitted(['steps', '--params', '{"steps": 6, "delay_ms": 150}']);
    // `watch --json` writes a line per event for a second: the pipe closes after the first.
    const run = await kaygraphIntoHead(['watch', taskId, '--json'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')[0]).toContain(taskId);
  });

  test('submit --concurrency-key: status shows the key; a workflow without a per-key limit refuses it', async () => {
    const taskId = await submitted([
      'keyed_echo',
      '--params',
      '{"value": "k"}',
      '--concurrency-key',
      'acct-7',
    ]);
    expect((await kaygraph(['watch', taskId], env)).code).toBe(0);
    const status = await kaygraph(['status', taskId], env);
    expect(status.stdout).toMatch(/^concurrency key\s+acct-7$/m);
    const refused = await kaygraph(
      ['submit', 'echo', '--params', '{"value": "k"}', '--concurrency-key', 'acct-7'],
      env,
    );
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('declares no concurrency_per_key');
  });

  test('submit prints the task id; status, list and result show the task', async () => {
    const run = await kaygraph(
      ['submit', 'echo', '--params', '{"value": "hello"}', '--priority', 'high'],
      env,
    );
    expect(run.code).toBe(0);
    const taskId = run.stdout.trim();
    expect(taskId).toMatch(/^[0-9a-f-]{36}$/);

    // Wait for it through the CLI itself: `watch` ends when the task does.
    expect((await kaygraph(['watch', taskId], env)).code).toBe(0);

    const status = await kaygraph(['status', taskId], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^status\s+completed$/m);
    expect(status.stdout).toMatch(/^priority\s+high$/m);
    expect(status.stdout).toMatch(/^attempt\s+1$/m);
    expect(status.stdout).toMatch(/^max retries\s+\d+$/m);
    // Every value starts in one column, whatever the length of its label (one or two words).
    const valueColumns = status.stdout
      .trimEnd()
      .split('\n')
      .map((line) => /^\S+(?: \S+)?\s+/.exec(line)?.[0].length);
    expect(new Set(valueColumns).size).toBe(1);
    const view = TaskView.parse(parseJson((await kaygraph(['status', taskId, '--json'], env)).stdout));
    expect(view).toMatchObject({
      task_id: taskId,
      workflow: 'echo',
      status: 'completed',
      params: { value: 'hello' },
    });

    const list = ListTasksOutput.parse(
      parseJson((await kaygraph(['list', '--json', '--workflow', 'echo'], env)).stdout),
    );
    expect(list.items.map((task) => task.task_id)).toContain(taskId);
    const table = await kaygraph(['list', '--status', 'completed'], env);
    expect(table.stdout.split('\n')[0]).toMatch(/^TASK\s+WORKFLOW\s+STATUS/);
    expect(table.stdout).toContain(taskId);

    const result = await kaygraph(['result', taskId], env);
    expect(result.code).toBe(0);
    expect(parseJson(result.stdout)).toEqual({ value: 'hello' });
  });

  test('submit --wait follows the task (progress with step and ETA) and prints its result', async () => {
    // The real bin, in its own process.
    const run = await kaygraphProcess(
      ['submit', 'steps', '--params', '{"steps": 4, "delay_ms": 40}', '--wait'],
      env,
    );
    expect(run.code).toBe(0);
    expect(parseJson(run.stdout)).toEqual({ steps_done: 4 });
    expect(run.stderr).toMatch(/^status running/m);
    expect(run.stderr).toMatch(/^\d+%\s+step \d\s+step \d of 4/m);
    // The completed event carries the final 100 %.
    expect(run.stderr).toMatch(/^status completed.*\s100%$/m);
    expect(run.stderr).toMatch(/ETA/);
    expect(run.stderr).toMatch(/^completed in /m);
  });

  test('watch --json: one event per line in seq order, then the outcome', async () => {
    // 3 x 60 ms: progress along the way, and the completed event carries progress 100.
    const taskId = await submitted(['steps', '--params', '{"steps": 3, "delay_ms": 60}']);
    const run = await kaygraph(['watch', taskId, '--json'], env);
    expect(run.code).toBe(0);
    const lines = parseJsonLines(run.stdout);
    const outcome = lines.at(-1);
    expect(outcome).toMatchObject({ task_id: taskId, status: 'completed', result: { steps_done: 3 } });
    const seqs = lines.slice(0, -1).map((line) => Number(line.seq));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(lines.some((line) => line.type === 'progress')).toBe(true);
    expect(lines.at(-2)).toMatchObject({ type: 'status', status: 'completed', progress: 100 });
  });

  test('watch says when the connection to the api drops and when it is back, then finishes', async () => {
    await using proxy = await startTcpProxy(server.server.port);
    const taskId = await submitted(['steps', '--params', '{"steps": 10, "delay_ms": 100}']);
    // Cut once the bar shows progress past 0 %, which only the watch's WebSocket brings.
    let cut = false;
    const run = await kaygraph(
      ['watch', taskId],
      { KAYGRAPH_URL: proxy.url },
      {
        terminal: {
          onStderr: (text) => {
            if (cut || !/ [1-9]\d*% \| running \|/.test(text)) return;
            cut = true;
            proxy.dropConnections();
          },
        },
      },
    );
    expect(cut).toBe(true);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(new RegExp(`lost the connection to ${proxy.url}.*; reconnecting`));
    expect(run.stderr).toContain(`reconnected to ${proxy.url}; resuming after the last event`);
    expect(run.stderr).toMatch(/completed in/);
  });

  test('result --workflow checks the task is of that workflow: another one is a CONFLICT, exit 1', async () => {
    const taskId = await submitted(['echo', '--params', '{"value": "mine"}']);
    expect((await kaygraph(['watch', taskId], env)).code).toBe(0);

    const same = await kaygraph(['result', taskId, '--workflow', 'echo'], env);
    expect(same.code).toBe(0);
    expect(parseJson(same.stdout)).toEqual({ value: 'mine' });

    const other = await kaygraph(['result', taskId, '--workflow', 'steps'], env);
    expect(other.code).toBe(1);
    expect(other.stdout).toBe('');
    expect(other.stderr.split('\n')[0]).toBe(
      `error: CONFLICT: task ${taskId} is of workflow "echo", not "steps"`,
    );
    const otherJson = await kaygraph(['result', taskId, '--workflow', 'steps', '--json'], env);
    expect(parseJson(otherJson.stderr)).toMatchObject({
      error: { code: 'CONFLICT', issues: [{ path: 'workflow' }] },
    });
  });

  test('a failing task: --wait exits 1 with the error; result shows it; retry queues it again', async () => {
    const run = await kaygraph(
      ['submit', 'steps', '--params', '{"steps": 1, "delay_ms": 1, "fail": true}', '--wait'],
      env,
    );
    expect(run.code).toBe(1);
    // Which node threw, and in which attempt: what on-call asks first of a failing workflow.
    expect(run.stderr).toMatch(/^failed: WORKFLOW_ERROR: failed on purpose \(node steps, attempt 1\)$/m);
    const taskId = /submitted ([0-9a-f-]{36})/.exec(run.stderr)?.[1] ?? '';
    const result = await kaygraph(['result', taskId], env);
    expect(result.code).toBe(1);
    expect(result.stdout.trim()).toBe('failed: WORKFLOW_ERROR: failed on purpose (node steps, attempt 1)');
    const status = await kaygraph(['status', taskId], env);
    expect(status.stdout).toMatch(/^error\s+WORKFLOW_ERROR: failed on purpose \(node steps, attempt 1\)$/m);
    const retried = await kaygraph(['retry', taskId, '--json'], env);
    expect(retried.code).toBe(0);
    expect(parseJson(retried.stdout)).toMatchObject({ task_id: taskId });
    expect((await kaygraph(['watch', taskId], env)).code).toBe(1);
  });

  test('--retry-delay sets the backoff; status says when a retry waiting it out runs', async () => {
    const taskId = await submitted([
      'steps',
      '--params',
      '{"steps": 3, "delay_ms": 100, "fail": true}',
      '--max-retries',
      '1',
      '--retry-delay',
      '600',
    ]);
    let view = TaskView.parse(parseJson((await kaygraph(['status', taskId, '--json'], env)).stdout));
    while (view.error === null) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      view = TaskView.parse(parseJson((await kaygraph(['status', taskId, '--json'], env)).stdout));
    }
    expect(view).toMatchObject({ status: 'queued', attempt: 1 });
    // The first retry waits 600 to 1,200 s after the failure.
    expect(Date.parse(view.run_at ?? '')).toBeGreaterThanOrEqual(Date.parse(view.created_at) + 600_000);
    const status = await kaygraph(['status', taskId], env);
    expect(status.stdout).toMatch(new RegExp(`^runs at\\s+${view.run_at}$`, 'm'));
    // A live worker runs its version: the version alone, no warning.
    expect(status.stdout).toMatch(new RegExp(`^version\\s+${view.workflow_version}$`, 'm'));
    // Nothing runs it for 600 s: the api gives no ETA, and status shows none.
    expect(view.eta_seconds).toBeNull();
    expect(status.stdout).toMatch(/^eta\s+-$/m);
    expect((await kaygraph(['cancel', taskId], env)).code).toBe(0);
  });

  test('status says when a task runs only while that time is ahead', async () => {
    // No worker: the tasks stay where the test puts them.
    await using idle = await startTestServer({ worker: false });
    const idleEnv = { KAYGRAPH_URL: idle.url };
    const runAt = new Date(Date.now() + 600_000).toISOString();
    const submit = await kaygraph(
      ['submit', 'echo', '--params', '{"value": "later"}', '--run-at', runAt],
      idleEnv,
    );
    const taskId = submit.stdout.trim();
    const scheduled = await kaygraph(['status', taskId], idleEnv);
    expect(scheduled.stdout).toMatch(/^status\s+scheduled$/m);
    expect(Date.parse(/^runs at\s+(\S+)$/m.exec(scheduled.stdout)?.[1] ?? '')).toBe(Date.parse(runAt));

    // Retried by hand, it runs at once: its run_at becomes the retry's time, which has passed.
    expect((await kaygraph(['cancel', taskId], idleEnv)).code).toBe(0);
    expect((await kaygraph(['retry', taskId], idleEnv)).code).toBe(0);
    const view = TaskView.parse(parseJson((await kaygraph(['status', taskId, '--json'], idleEnv)).stdout));
    expect(view.status).toBe('queued');
    expect(Date.parse(view.run_at ?? '')).toBeLessThanOrEqual(Date.now());
    const queued = await kaygraph(['status', taskId], idleEnv);
    expect(queued.stdout).toMatch(/^status\s+queued$/m);
    expect(queued.stdout).not.toMatch(/^runs at/m);
  });

  test('promote runs a task scheduled for later now; watch then sees it complete', async () => {
    const runAt = new Date(Date.now() + 3_600_000).toISOString();
    const taskId = await submitted(['echo', '--params', '{"value": "early"}', '--run-at', runAt]);
    const promoted = await kaygraph(['promote', taskId.slice(0, 8)], env);
    expect(promoted.code).toBe(0);
    expect(promoted.stdout.trim()).toBe(`${taskId} queued`);
    expect((await kaygraph(['watch', taskId], env)).code).toBe(0);
    // Finished, it is no longer delayed: a second promote says why it is refused.
    const again = await kaygraph(['promote', taskId], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('is completed');
  });

  test("status shows how long a running task's run has lasted, by the server's clock", async () => {
    const taskId = await submitted(['steps', '--params', '{"steps": 200, "delay_ms": 100}']);
    let view = TaskView.parse(parseJson((await kaygraph(['status', taskId, '--json'], env)).stdout));
    while (view.status !== 'running') {
      await new Promise((resolve) => setTimeout(resolve, 50));
      view = TaskView.parse(parseJson((await kaygraph(['status', taskId, '--json'], env)).stdout));
    }
    const status = await kaygraph(['status', taskId], env);
    expect(status.stdout).toMatch(/^running for\s+\d+(\.\d)?m?s$/m);
    await kaygraph(['cancel', taskId], env);
  });

  test('cancel stops a running task; watch then reports it cancelled', async () => {
    const taskId = await submitted(['steps', '--params', '{"steps": 200, "delay_ms": 100}']);
    const cancelled = await kaygraph(['cancel', taskId], env);
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout.trim()).toMatch(new RegExp(`^${taskId} (cancelled|running)$`));
    const watched = await kaygraph(['watch', taskId], env);
    expect(watched.code).toBe(1);
    expect(watched.stderr).toMatch(/^cancelled/m);
  });

  test('errors are one line with the api code; --json errors are JSON on stderr; usage errors exit 2', async () => {
    const missing = await kaygraphProcess(['status', '00000000-0000-4000-8000-000000000000'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe(
      'error: NOT_FOUND: task 00000000-0000-4000-8000-000000000000 not found',
    );

    const unknown = await kaygraph(['submit', 'no_such_workflow', '--json'], env);
    expect(unknown.code).toBe(1);
    expect(parseJson(unknown.stderr)).toMatchObject({
      error: { code: 'BAD_REQUEST', message: expect.stringContaining('no worker has registered workflow') },
    });

    // The issue the message states is printed once, not again below it.
    const badParams = await kaygraph(['submit', 'echo', '--params', '{"value": 5}'], env);
    expect(badParams.code).toBe(1);
    expect(badParams.stderr).toContain('params.value');
    expect(badParams.stderr.split('params.value')).toHaveLength(2);
    const badParamsJson = await kaygraph(['submit', 'echo', '--params', '{"value": 5}', '--json'], env);
    expect(parseJson(badParamsJson.stderr)).toMatchObject({
      error: { code: 'INVALID_PARAMS', issues: [{ path: 'params.value', message: expect.any(String) }] },
    });

    const badJson = await kaygraph(['submit', 'echo', '--params', '{oops'], env);
    expect(badJson.code).toBe(2);
    expect(badJson.stderr).toContain('--params is not valid JSON');

    const unreachable = await kaygraph(['list'], { KAYGRAPH_URL: 'http://127.0.0.1:9' });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain('cannot reach the api at http://127.0.0.1:9');
  });
});

describe('kaygraph names a task by the first characters of its id', () => {
  test('a prefix one task starts with names it; none and several are explained', async () => {
    const taskId = await submitted(['echo', '--params', '{"value": "short"}']);
    const short = taskId.slice(0, 8);
    expect((await kaygraph(['watch', short], env)).code).toBe(0);
    const status = await kaygraph(['status', short], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`^task\\s+${taskId}$`, 'm'));
    const result = await kaygraph(['result', short], env);
    expect(parseJson(result.stdout)).toEqual({ value: 'short' });

    const none = await kaygraph(['status', 'ffffffff-ffff'], env);
    expect(none.code).toBe(1);
    expect(none.stderr.trim()).toBe('error: NOT_FOUND: no task id starts with ffffffff-ffff');
    const notHex = await kaygraph(['status', 'xyz'], env);
    expect(notHex.code).toBe(2);
    expect(notHex.stderr).toContain('"xyz" is not a task id, nor the start of one');

    // Seventeen ids: two of them start with the same hex digit.
    using client = createClient({ url: server.url });
    const { tasks } = await client.tasks.submitMany.mutate({
      tasks: Array.from({ length: 17 }, () => ({ workflow: 'echo', params: { value: 'many' } })),
    });
    const firsts = tasks.map((task) => task.task_id[0]);
    const shared = firsts.find((digit, i) => firsts.indexOf(digit) !== i) ?? '';
    const several = await kaygraph(['status', shared], env);
    expect(several.code).toBe(2);
    expect(several.stderr).toContain(`${shared} is the start of more than one task id; give more of it`);
    const listed = several.stderr.split('\n').filter((line) => line.startsWith(`  ${shared}`));
    expect(listed.length).toBeGreaterThanOrEqual(2);
    // A command that changes a task takes no fewer characters than lists show.
    const tooShort = await kaygraph(['cancel', short.slice(0, 7)], env);
    expect(tooShort.code).toBe(2);
    expect(tooShort.stderr).toContain('give at least 8 characters of the task id to change a task');
    // Nothing left running for the tests after this one (they count the queue).
    for (const task of tasks) for await (const _event of client.watch(task.task_id));
  });
});

describe('kaygraph metrics', () => {
  test('the queue at a glance; --json is the MetricsSnapshot, agreeing with the task list', async () => {
    const run = await kaygraph(['metrics', '--json'], env);
    expect(run.code).toBe(0);
    const snapshot = MetricsSnapshot.parse(parseJson(run.stdout));
    const completed = ListTasksOutput.parse(
      parseJson((await kaygraph(['list', '--status', 'completed', '--limit', '200', '--json'], env)).stdout),
    );
    expect(snapshot.tasks_completed).toBe(completed.items.length);
    expect(snapshot.scope).toBe('all');

    const human = await kaygraph(['metrics'], env);
    expect(human.stdout).toMatch(/^all owners; finished counts over the last .*; 1 worker process alive$/m);
    expect(snapshot.workers).toBe(1);
    expect(human.stdout).toMatch(
      /^\s+QUEUED\s+OLDEST\s+RUNNING\s+LONGEST RUN\s+WAITING\s+BLOCKED\s+SCHEDULED\s+HELD\s+COMPLETED\s+FAILED\s+ERRORS\s+AVG TIME$/m,
    );
    expect(human.stdout).toMatch(
      new RegExp(`^all\\s+\\d+\\s+\\S+\\s+\\d+\\s+\\S+(\\s+\\d+){4}\\s+${snapshot.tasks_completed}\\s`, 'm'),
    );
    expect(human.stdout).toMatch(/^echo\s/m);
  });

  test('with no worker alive, metrics says the queue waits for one', async () => {
    await using idle = await startTestServer({ worker: false, operations: {} });
    const idleEnv = { KAYGRAPH_URL: idle.url };
    expect(
      (await kaygraph(['submit', 'echo', '--params', '{"value": "nobody runs me"}'], idleEnv)).code,
    ).toBe(0);
    const human = await kaygraph(['metrics'], idleEnv);
    expect(human.stdout).toMatch(/; no worker alive: queued tasks wait until one starts$/m);
    expect(human.stdout).toMatch(/^echo\s+1\s/m);
  });

  test('a task waiting for a signal counts as waiting, a task held in a group as held', async () => {
    using client = createClient({ url: server.url });
    const { task_id } = await client.submit({ workflow: 'approval', params: {} });
    for await (const event of client.watch(task_id)) if (event.type === 'waiting') break;
    const group = await client.groups.create.mutate({ name: 'held until executed' });
    await client.groups.addTasks.mutate({
      group_id: group.group_id,
      tasks: [{ workflow: 'approval', params: {} }],
    });

    const human = await kaygraph(['metrics'], env);
    // QUEUED OLDEST (none queued: -) RUNNING LONGEST RUN (none running: -) WAITING BLOCKED SCHEDULED HELD, then
    // finished counts.
    expect(human.stdout).toMatch(/^approval\s+0\s+-\s+0\s+-\s+1\s+0\s+0\s+1\s+0\s+0\s/m);
  });
});
