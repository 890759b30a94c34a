import { sql as drizzleSql } from 'drizzle-orm';
import pino from 'pino';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredCheckpoint } from '../src/attempt-data.ts';
import type { Attempt } from '../src/store/claim.ts';
import { createRunWrites, type RunWrites } from '../src/worker/run-writes.ts';
import { storedEvents } from './fixtures/stored-events.ts';
import { alice, startTestSystem, type TestSystem, waitFor } from './harness.ts';

/**
 * A worker merges the checkpoints (and the progress reports) of its runs into one statement while another
 * is in flight. One run's write the database refuses (text holding NUL) must fail that run only: the runs
 * merged with it go on.
 */
let harness: TestSystem;
let writes: RunWrites;
let locker: postgres.Sql;
const stop = new AbortController();

beforeAll(async () => {
  harness = await startTestSystem();
  writes = createRunWrites(harness.system.context, pino({ level: 'silent' }), stop.signal);
  locker = postgres(harness.database.url, { max: 2 });
});
afterAll(async () => {
  stop.abort();
  await locker?.end();
  await harness?.[Symbol.asyncDispose]();
});

/** A submitted task marked running as attempt 1, as a claim would leave it (no worker runs here). */
async function runningTask(): Promise<Attempt> {
  const { system } = harness;
  const { task_id } = await system.tasks.submit(alice, { workflow: 'noop', params: {}, priority: 'normal' });
  await system.context.db.execute(
    drizzleSql`update tasks set status = 'running', attempt = 1 where id = ${task_id}`,
  );
  return { taskId: task_id, attempt: 1 } as Attempt;
}

function checkpoint(note: string): StoredCheckpoint {
  return {
    nextNodeId: 'next',
    shared: { note },
    completedSteps: 1,
    lastNodeId: 'first',
    completedNodeIds: ['first'],
    lastAction: null,
    metrics: [],
  };
}

/**
 * Holds the first task's row so the write started by `start` waits in flight; what `merge` adds meanwhile
 * goes out together in the next write, once the row is let go.
 */
async function whileAWriteWaits(held: Attempt, start: () => Promise<unknown>, merge: () => void) {
  const lock = await locker.reserve();
  try {
    await lock`begin`;
    await lock`select 1 from tasks where id = ${held.taskId}::uuid for update`;
    const first = start();
    await waitFor(async () => {
      const [row] = await locker`
        select count(*)::int as waiting from pg_stat_activity
        where datname = current_database() and wait_event_type = 'Lock'`;
      return (row?.waiting ?? 0) > 0;
    }, 'the first write to wait for the held row');
    merge();
    // The reports' first writes are due at once: this timer fires after theirs.
    await new Promise((resolve) => setTimeout(resolve, 0));
    await lock`commit`;
    return first;
  } finally {
    lock.release();
  }
}

async function storedNote(taskId: string): Promise<unknown> {
  const [row] = await locker<{ note: unknown }[]>`
    select checkpoint->'shared'->'note' as note from tasks where id = ${taskId}::uuid`;
  return row?.note;
}

describe('writes of several runs merged into one', () => {
  it('a checkpoint the database refuses fails its own run; the one merged with it is stored', async () => {
    const [held, refused, innocent] = [await runningTask(), await runningTask(), await runningTask()];
    let outcomes: PromiseSettledResult<void>[] = [];
    await whileAWriteWaits(
      held,
      () => writes.checkpoints.add({ attempt: held, checkpoint: checkpoint('first') }),
      () => {
        const merged = [
          writes.checkpoints.add({ attempt: refused, checkpoint: checkpoint('a\u0000b') }),
          writes.checkpoints.add({ attempt: innocent, checkpoint: checkpoint('fine') }),
        ];
        void Promise.allSettled(merged).then((settled) => {
          outcomes = settled;
        });
      },
    );
    await waitFor(() => outcomes.length === 2, 'the merged checkpoints to settle');

    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'fulfilled']);
    expect(await storedNote(innocent.taskId)).toBe('fine');
    expect(await storedNote(refused.taskId)).toBeNull();
  });

  it("a progress report the database refuses loses its own task's events, not another's", async () => {
    const [held, refused, innocent] = [await runningTask(), await runningTask(), await runningTask()];
    const { progress } = writes;
    const report = (attempt: Attempt, message: string) =>
      progress.report(attempt, { progress: 50, step: 'Work', message, eta_seconds: null });
    await whileAWriteWaits(
      held,
      async () => report(held, 'first'),
      () => {
        report(refused, 'a\u0000b');
        report(innocent, 'half way');
      },
    );
    await Promise.all(
      [held, refused, innocent].map((attempt) => progress.settle(attempt, { completed: false })),
    );

    const db = harness.system.context.db;
    const messages = async (attempt: Attempt) =>
      (await storedEvents(db, attempt.taskId, 0)).flatMap((event) =>
        event.type === 'progress' ? [event.message] : [],
      );
    expect(await messages(innocent)).toEqual(['half way']);
    expect(await messages(refused)).toEqual([]);
    expect(await harness.system.tasks.progress(alice, innocent.taskId)).toMatchObject({
      message: 'half way',
    });
  });
});
