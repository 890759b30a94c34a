import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tasks } from '@kaygraph/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredCheckpoint } from '../src/worker/run-workflow.ts';
import { spawnWorker } from './fixtures/spawn-worker.ts';
import { alice, startsOf, startTestSystem, type TestSystem, waitFor, waitForTerminal } from './harness.ts';

let harness: TestSystem;
const dir = mkdtempSync(join(tmpdir(), 'kg-processes-'));

beforeAll(async () => {
  // This process only submits and watches; its liveness monitor takes back the tasks of the killed worker
  // once it has been silent for the lease.
  harness = await startTestSystem({ superviseIntervalSeconds: 1 });
});
afterAll(async () => {
  await harness?.[Symbol.asyncDispose]();
});

async function checkpointOf(taskId: string): Promise<StoredCheckpoint | null> {
  const [row] = await harness.system.context.db
    .select({ checkpoint: tasks.checkpoint })
    .from(tasks)
    .where(eq(tasks.id, taskId));
  return (row?.checkpoint as StoredCheckpoint | null) ?? null;
}

describe('worker processes: crashes', () => {
  it('a worker killed with SIGKILL mid-task: a second worker resumes from the checkpoint and completes', async () => {
    const { system, database } = harness;
    const record = join(dir, 'kill.jsonl');
    const { task_id } = await system.tasks.submit(alice, {
      workflow: 'steps',
      params: { steps: 4, step_ms: 1500, record_file: record },
      priority: 'normal',
      max_retries: 3,
    });
    const first = await spawnWorker(database.url, { CONCURRENCY: '1' });
    await waitFor(
      () => startsOf(record).some((r) => r.node === 'step_3'),
      'step_3 to start on the first worker',
    );
    expect(await checkpointOf(task_id)).toMatchObject({ completedSteps: 2, lastNodeId: 'step_2' });
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');

    await using second = await spawnWorker(database.url, { CONCURRENCY: '1' });
    expect(await waitForTerminal(system, alice, task_id)).toBe('completed');
    expect(startsOf(record)).toEqual([
      { node: 'step_1', attempt: 1, pid: first.pid },
      { node: 'step_2', attempt: 1, pid: first.pid },
      { node: 'step_3', attempt: 1, pid: first.pid },
      { node: 'step_3', attempt: 2, pid: second.pid },
      { node: 'step_4', attempt: 2, pid: second.pid },
    ]);
    const result = await system.tasks.result(alice, task_id);
    expect(result.result).toMatchObject({ ran: ['step_1', 'step_2', 'step_3', 'step_4'], attempt: 2 });
    const view = await system.tasks.get(alice, task_id);
    expect(view.metrics?.map((m) => m.node_id)).toEqual(['step_1', 'step_2', 'step_3', 'step_4', 'finish']);
  });

  it('a killed worker on the last attempt: the task fails with WORKER_LOST once its lease has passed', async () => {
    const { system, database } = harness;
    const record = join(dir, 'lost.jsonl');
    const { task_id } = await system.tasks.submit(alice, {
      workflow: 'steps',
      params: { steps: 2, step_ms: 30_000, record_file: record },
      priority: 'normal',
      max_retries: 0,
    });
    const worker = await spawnWorker(database.url, { CONCURRENCY: '1' });
    await waitFor(() => startsOf(record).length > 0, 'step_1 to start');
    worker.child.kill('SIGKILL');
    await worker.exited;
    await waitFor(
      async () => (await system.tasks.get(alice, task_id)).status === 'failed',
      'the task to be marked lost',
    );
    expect((await system.tasks.get(alice, task_id)).error).toMatchObject({ code: 'WORKER_LOST', attempt: 1 });
  });
});
