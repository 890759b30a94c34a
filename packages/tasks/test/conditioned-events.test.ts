import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../src/db.ts';
import { appendEvents, appendEventsBehind, claimedEvent, statusEvent } from '../src/store/events.ts';
import { storedEvents } from './fixtures/stored-events.ts';
import { alice, startTestSystem, type TestSystem } from './harness.ts';

let harness: TestSystem;

beforeAll(async () => {
  harness = await startTestSystem();
});
afterAll(async () => {
  await harness?.[Symbol.asyncDispose]();
});

/** A submitted task (no worker runs here) and its job id. */
async function queuedTask(): Promise<{ taskId: string; jobId: string }> {
  const { system } = harness;
  const { task_id } = await system.tasks.submit(alice, { workflow: 'noop', params: {}, priority: 'normal' });
  const [row] = rowsOf<{ job_id: string }>(
    await system.context.db.execute(sql`select job_id from tasks where id = ${task_id}`),
  );
  return { taskId: task_id, jobId: row?.job_id ?? '' };
}

/** Marks the task running as attempt 3 (what a claim does), as a statement of `tx`. */
function claimAsAttempt3(executor: { execute: typeof harness.system.context.db.execute }, taskId: string) {
  return executor.execute(
    sql`update tasks set status = 'running', attempt = 3 where id = ${taskId} returning attempt`,
  );
}

describe('events conditioned on the state of their task', () => {
  it('are written only while the row is in that state, numbered without gaps', async () => {
    const { system } = harness;
    const { taskId } = await queuedTask();
    await claimAsAttempt3(system.context.db, taskId);

    const written = await appendEvents(system.context.db, [
      { ...statusEvent(taskId, 'running', 2), onlyIf: { status: 'running', attempt: 2 } },
      {
        type: 'log',
        taskId,
        payload: { level: 'info', message: 'kept' },
        onlyIf: { status: 'running', attempt: 3 },
      },
      { type: 'log', taskId, payload: { level: 'info', message: 'dropped' }, onlyIf: { status: 'queued' } },
    ]);

    expect(written).toBe(1);
    const events = await storedEvents(system.context.db, taskId);
    expect(events.map((event) => [event.seq, event.type])).toEqual([
      [1, 'status'],
      [2, 'log'],
    ]);
    expect(events[1]).toMatchObject({ message: 'kept' });
  });

  it("a claim's running event is written for the claim's job only, with the attempt the claim gave", async () => {
    const { system } = harness;
    const { taskId, jobId } = await queuedTask();
    await claimAsAttempt3(system.context.db, taskId);

    const otherJob = await appendEvents(system.context.db, [claimedEvent(taskId, crypto.randomUUID())]);
    const ownJob = await appendEvents(system.context.db, [claimedEvent(taskId, jobId)]);

    expect([otherJob, ownJob]).toEqual([0, 1]);
    const events = await storedEvents(system.context.db, taskId);
    expect(events.at(-1)).toMatchObject({ seq: 2, type: 'status', status: 'running', attempt: 3 });
  });

  it('sent behind their update are written once, even when they reach the database before it', async () => {
    const { system } = harness;
    const { taskId, jobId } = await queuedTask();

    await system.context.db.transaction(async (tx) => {
      // An update that starts late, after the events were sent: none of them matches yet.
      const lateUpdate = new Promise((resolve) => setTimeout(resolve, 20)).then(() =>
        claimAsAttempt3(tx, taskId),
      );
      await appendEventsBehind(tx, lateUpdate, [claimedEvent(taskId, jobId)], () => [
        statusEvent(taskId, 'running', 3),
      ]);
    });

    const events = await storedEvents(system.context.db, taskId);
    expect(events.map((event) => [event.seq, event.type, event.type === 'status' && event.status])).toEqual([
      [1, 'status', 'queued'],
      [2, 'status', 'running'],
    ]);
    expect(events[1]).toMatchObject({ attempt: 3 });
  });
});
