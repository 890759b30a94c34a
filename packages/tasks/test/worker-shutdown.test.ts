import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnWorker } from './fixtures/spawn-worker.ts';
import { alice, readRecords, startTestSystem, type TestSystem, waitFor, waitForTerminal } from './harness.ts';

let harness: TestSystem;
const dir = mkdtempSync(join(tmpdir(), 'kg-processes-b-'));

beforeAll(async () => {
  // This process only submits and watches; its liveness monitor takes back tasks a worker left behind.
  harness = await startTestSystem({ superviseIntervalSeconds: 1 });
});
afterAll(async () => {
  await harness?.[Symbol.asyncDispose]();
});

const startsOf = (file: string, taskId?: string) =>
  readRecords(file)
    .filter((r) => r.phase === 'start' && (!taskId || r.task_id === taskId))
    .map((r) => ({ node: r.node, attempt: r.attempt, pid: r.pid }));

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
