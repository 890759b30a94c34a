import type { TaskEvent } from '@kaygraph/contracts';
import { connect } from '@kaygraph/db';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEvents } from '../src/events/task-stream.ts';
import { writeProgressAndLogs } from '../src/worker/progress-store.ts';
import type { ClaimedTask } from '../src/worker/task-store.ts';
import { alice, startTestSystem, type TestSystem } from './harness.ts';

let harness: TestSystem;

beforeAll(async () => {
  harness = await startTestSystem();
});
afterAll(async () => {
  await harness?.[Symbol.asyncDispose]();
});

/** A submitted task marked running as attempt 1, as a claim would leave it (no worker runs here). */
async function runningTask(): Promise<ClaimedTask> {
  const { system } = harness;
  const { task_id } = await system.tasks.submit(alice, { workflow: 'noop', params: {}, priority: 'normal' });
  await system.context.db.execute(
    sql`update tasks set status = 'running', attempt = 1 where id = ${task_id}`,
  );
  return { taskId: task_id, attempt: 1 } as ClaimedTask;
}

function progressOf(claim: ClaimedTask, progress: number) {
  return { claim, progress, step: `at ${progress}`, message: null, etaSeconds: 3 };
}

describe('progress store', () => {
  it('stores progress and logs of several tasks as the next seqs of each, and notifies them', async () => {
    const { system } = harness;
    const [first, second] = [await runningTask(), await runningTask()];
    const heard: TaskEvent[] = [];
    const unsubscribe = [first, second].map((claim) =>
      system.events.subscribeTask(claim.taskId, { onEvent: (event) => heard.push(event), onResync() {} }),
    );

    const written = await writeProgressAndLogs(
      system.context.db,
      [progressOf(first, 40), progressOf(second, 70)],
      [{ claim: first, level: 'info', message: 'hello', data: { n: 1 } }],
    );

    expect(written).toBe(3);
    const firstEvents = await readEvents(system.context.db, first.taskId, 0);
    expect(firstEvents.map((event) => [event.seq, event.type])).toEqual([
      [1, 'status'],
      [2, 'progress'],
      [3, 'log'],
    ]);
    expect(firstEvents[2]).toMatchObject({ level: 'info', message: 'hello', data: { n: 1 } });
    expect(await system.tasks.progress(alice, second.taskId)).toMatchObject({
      progress: 70,
      step: 'at 70',
      eta_seconds: 3,
    });
    await expect.poll(() => heard.length).toBe(3);
    expect(
      heard.map((event) => `${event.task_id === first.taskId ? 'first' : 'second'}:${event.seq}`).sort(),
    ).toEqual(['first:2', 'first:3', 'second:2']);
    for (const stop of unsubscribe) stop();
  });

  it('writes nothing for a claim that no longer owns its task (cancelled, or a later attempt)', async () => {
    const { system } = harness;
    const cancelled = await runningTask();
    await system.tasks.cancel(alice, cancelled.taskId);
    const retried = await runningTask();
    await system.context.db.execute(sql`update tasks set attempt = 2 where id = ${retried.taskId}`);
    const seqsBefore = async () => [
      (await readEvents(system.context.db, cancelled.taskId, 0)).length,
      (await readEvents(system.context.db, retried.taskId, 0)).length,
    ];
    const before = await seqsBefore();

    const written = await writeProgressAndLogs(
      system.context.db,
      [progressOf(cancelled, 50), progressOf(retried, 50)],
      [{ claim: retried, level: 'warn', message: 'stale' }],
    );

    expect(written).toBe(0);
    expect(await seqsBefore()).toEqual(before);
    expect((await system.tasks.progress(alice, retried.taskId)).progress).toBe(0);
  });

  it('relaxes synchronous_commit for its own statement only, not for the connection', async () => {
    // Explicitly on for the session: the embedded test server runs with it off server-wide.
    const connection = connect(harness.database.url, { max: 1, settings: { synchronous_commit: 'on' } });
    try {
      const claim = await runningTask();
      await writeProgressAndLogs(connection.db, [progressOf(claim, 10)], []);
      const [row] = await connection.sql<{ synchronous_commit: string }[]>`show synchronous_commit`;
      expect(row?.synchronous_commit).toBe('on');
    } finally {
      await connection.close();
    }
  });
});
