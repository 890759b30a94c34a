import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnWorker } from './fixtures/spawn-worker.ts';
import { storedEvents } from './fixtures/stored-events.ts';
import {
  alice,
  readRecords,
  startsOf,
  startTestSystem,
  type TestSystem,
  waitFor,
  waitForTerminal,
} from './harness.ts';
import { door } from './tcp-door.ts';

let harness: TestSystem;
const dir = mkdtempSync(join(tmpdir(), 'kg-processes-b-'));

beforeAll(async () => {
  // This process only submits and watches; its liveness monitor takes back tasks a worker left behind.
  harness = await startTestSystem({ superviseIntervalSeconds: 1 });
});
afterAll(async () => {
  await harness?.[Symbol.asyncDispose]();
});

describe('worker processes: shutdown and competition', () => {
  it('SIGTERM: running tasks get the grace period, then are requeued without using a retry and resume elsewhere', async () => {
    const { system, database } = harness;
    const record = join(dir, 'term.jsonl');
    const { task_id } = await system.tasks.submit(alice, {
      workflow: 'steps',
      params: { steps: 3, step_ms: 1500, record_file: record },
      priority: 'normal',
      max_retries: 0,
    });
    const first = await spawnWorker(database.url, { CONCURRENCY: '1', SHUTDOWN_GRACE_SECONDS: '1' });
    await waitFor(() => startsOf(record).some((r) => r.node === 'step_2'), 'step_2 to start');
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const requeued = await system.tasks.get(alice, task_id);
    expect(requeued.status).toBe('queued');
    expect(requeued.error).toBeNull();

    await using second = await spawnWorker(database.url, { CONCURRENCY: '1' });
    expect(await waitForTerminal(system, alice, task_id)).toBe('completed');
    expect(startsOf(record).map((r) => `${r.node}@${r.attempt}`)).toEqual([
      'step_1@1',
      'step_2@1',
      'step_2@2',
      'step_3@2',
    ]);
    expect(startsOf(record).at(-1)?.pid).toBe(second.pid);
  });

  it.each([
    { workflow: 'steps', runs: 'in a worker thread' },
    { workflow: 'steps_inline', runs: 'inline' },
  ])(
    'a second SIGINT stops a task running $runs at once and puts it back in the queue, its attempt not counted',
    async ({ workflow }) => {
      const { system, database } = harness;
      const record = join(dir, `second-signal-${workflow}.jsonl`);
      // Its first attempt never ends on its own and ignores an abort: only stopping the run ends it.
      const { task_id } = await system.tasks.submit(alice, {
        workflow,
        params: { steps: 2, step_ms: 10, hold_attempts: 1, ignore_abort: true, record_file: record },
        priority: 'normal',
        max_retries: 0,
      });
      const first = await spawnWorker(database.url, { CONCURRENCY: '1', SHUTDOWN_GRACE_SECONDS: '600' });
      await waitFor(() => startsOf(record, task_id).some((r) => r.node === 'step_1'), 'step_1 to start');
      const running = await system.tasks.get(alice, task_id);
      expect(running).toMatchObject({ status: 'running', attempt: 1 });

      first.child.kill('SIGINT');
      await first.printed('press Ctrl-C again');
      first.child.kill('SIGINT');
      expect(await first.exited).toBe(1);

      // Released before the process exited: no liveness monitor, no WORKER_LOST.
      const requeued = await system.tasks.get(alice, task_id);
      expect(requeued).toMatchObject({ status: 'queued', attempt: 1, max_retries: 0, error: null });
      // What a watcher receives: why, and the task back in the queue.
      expect((await storedEvents(system.context.db, task_id)).slice(-2)).toMatchObject([
        { type: 'log', message: expect.stringContaining('the worker stopped') },
        { type: 'status', status: 'queued', attempt: 1, error: null },
      ]);

      await using second = await spawnWorker(database.url, { CONCURRENCY: '1' });
      expect(await waitForTerminal(system, alice, task_id)).toBe('completed');
      expect(startsOf(record, task_id).map((r) => `${r.node}@${r.attempt}`)).toEqual([
        'step_1@1',
        'step_1@2',
        'step_2@2',
      ]);
      expect(startsOf(record, task_id).at(-1)?.pid).toBe(second.pid);
    },
  );

  it('a second SIGINT exits with the database away; the liveness monitor takes its task back', async () => {
    const { system, database } = harness;
    const record = join(dir, 'second-signal-away.jsonl');
    const { task_id } = await system.tasks.submit(alice, {
      workflow: 'steps',
      params: { steps: 1, hold_attempts: 1, ignore_abort: true, record_file: record },
      priority: 'normal',
      max_retries: 1,
    });
    const entrance = await door(database.url);
    try {
      const first = await spawnWorker(entrance.url, { CONCURRENCY: '1', SHUTDOWN_GRACE_SECONDS: '600' });
      await waitFor(() => startsOf(record, task_id).length > 0, 'step_1 to start');
      first.child.kill('SIGINT');
      await first.printed('press Ctrl-C again');
      await entrance.shut();
      first.child.kill('SIGINT');
      expect(await first.exited).toBe(1);
    } finally {
      await entrance.close();
    }
    const taken = await waitFor(async () => {
      const task = await system.tasks.get(alice, task_id);
      return task.error?.code === 'WORKER_LOST' && task;
    }, 'the liveness monitor to take the task back');
    expect(taken).toMatchObject({ status: 'queued', attempt: 1 });
  });

  it('two worker processes never run the same attempt twice', async () => {
    const { system, database } = harness;
    const record = join(dir, 'two.jsonl');
    await using a = await spawnWorker(database.url, { CONCURRENCY: '3' });
    await using b = await spawnWorker(database.url, { CONCURRENCY: '3' });
    const submitted = await system.tasks.submitMany(
      alice,
      Array.from({ length: 40 }, () => ({
        workflow: 'steps',
        params: { steps: 2, step_ms: 40, record_file: record },
        priority: 'normal' as const,
      })),
    );
    for (const task of submitted.tasks)
      expect(await waitForTerminal(system, alice, task.task_id)).toBe('completed');
    const starts = readRecords(record).filter((r) => r.phase === 'start');
    const keys = starts.map((r) => `${r.task_id}/${r.node}/${r.attempt}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toHaveLength(80);
    expect(new Set(starts.map((r) => r.pid))).toEqual(new Set([a.pid, b.pid]));
    for (const task of submitted.tasks) expect((await system.tasks.get(alice, task.task_id)).attempt).toBe(1);
  });
});
