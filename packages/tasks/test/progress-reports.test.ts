import type { TaskEvent } from '@kaygraph/contracts';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attempt } from '../src/store/claim.ts';
import { appendEvents, statusEvent } from '../src/store/events.ts';
import { type AttemptReport, writeReports } from '../src/store/progress.ts';
import { ProgressReporter } from '../src/worker/progress-reporter.ts';
import { storedEvents as readEvents } from './fixtures/stored-events.ts';
import { alice, startTestSystem, type TestSystem, waitFor } from './harness.ts';

let harness: TestSystem;

beforeAll(async () => {
  harness = await startTestSystem();
});
afterAll(async () => {
  await harness?.[Symbol.asyncDispose]();
});

/** A submitted task marked running as attempt 1, as a claim would leave it (no worker runs here). */
async function runningTask(): Promise<Attempt> {
  const { system } = harness;
  const { task_id } = await system.tasks.submit(alice, { workflow: 'noop', params: {}, priority: 'normal' });
  await system.context.db.execute(
    sql`update tasks set status = 'running', attempt = 1 where id = ${task_id}`,
  );
  return { taskId: task_id, attempt: 1 } as Attempt;
}

function progressOf(attempt: Attempt, progress: number, logs: string[] = []): AttemptReport {
  const state = { progress, step: `at ${progress}`, message: null, eta_seconds: 3 };
  return {
    attempt,
    progress: state,
    events: [
      { type: 'progress', payload: state },
      ...logs.map((message) => ({ type: 'log' as const, payload: { level: 'info', message } })),
    ],
  };
}

function write(reports: AttemptReport[]): Promise<number> {
  return harness.system.context.db.transaction((tx) => writeReports(tx, reports));
}

describe('progress reports', () => {
  it('stores progress and logs of several tasks as the next seqs of each, and notifies them', async () => {
    const { system } = harness;
    const [first, second] = [await runningTask(), await runningTask()];
    const heard: TaskEvent[] = [];
    const unsubscribe = [first, second].map((claim) =>
      system.events.subscribeTask(claim.taskId, { onEvent: (event) => heard.push(event), onResync() {} }),
    );
    await system.events.listening();

    const firstReport = progressOf(first, 40);
    const written = await write([
      {
        ...firstReport,
        events: [
          ...firstReport.events,
          { type: 'log', payload: { level: 'info', message: 'hello', data: { n: 1 } } },
        ],
      },
      progressOf(second, 70),
    ]);

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
    // The submits' own `queued` events (seq 1) may still be arriving: only what this write announced.
    const announced = () => heard.filter((event) => event.seq > 1);
    await expect.poll(() => announced().length).toBe(3);
    expect(
      announced()
        .map((event) => `${event.task_id === first.taskId ? 'first' : 'second'}:${event.seq}`)
        .sort(),
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

    const written = await write([progressOf(cancelled, 50), progressOf(retried, 50, ['stale'])]);

    expect(written).toBe(0);
    expect(await seqsBefore()).toEqual(before);
    expect((await system.tasks.progress(alice, retried.taskId)).progress).toBe(0);
  });

  it('keeps the report order of the events of one write', async () => {
    const { system } = harness;
    const attempt = await runningTask();
    const first = progressOf(attempt, 20, ['first interval']);
    const second = progressOf(attempt, 30, ['second interval']);
    await write([{ attempt, progress: second.progress, events: [...first.events, ...second.events] }]);
    const events = await readEvents(system.context.db, attempt.taskId, 1);
    expect(
      events.map((event) =>
        event.type === 'progress' ? event.progress : event.type === 'log' ? event.message : '',
      ),
    ).toEqual([20, 'first interval', 30, 'second interval']);
    expect((await system.tasks.progress(alice, attempt.taskId)).progress).toBe(30);
  });
});

describe('progress reporter', () => {
  it('stores the logs and the latest report of an interval in the order the run made them', async () => {
    const { system } = harness;
    const attempt = await runningTask();
    const reporter = new ProgressReporter(system.context.db, pino({ level: 'silent' }));
    const report = (progress: number) =>
      reporter.report(attempt, { progress, step: `at ${progress}`, message: null, eta_seconds: null });
    const log = (message: string) => reporter.log(attempt, 'info', message);
    const stored = async () =>
      (await readEvents(system.context.db, attempt.taskId, 1)).map((event) =>
        event.type === 'progress' ? event.progress : event.type === 'log' ? event.message : event.type,
      );

    // The first report is written on the next turn of the event loop, with the line logged after it.
    report(10);
    log('a');
    await waitFor(async () => (await stored()).length >= 2, 'the first write');
    // Later ones wait out the interval: the latest report stands where it was made among the lines.
    log('b');
    report(20);
    log('c');
    report(30);
    log('d');
    await reporter.settle(attempt, { completed: false });
    expect(await stored()).toEqual([10, 'a', 'b', 'c', 30, 'd']);
  });
});

describe('event timestamps', () => {
  it('stamp a status event written after a progress write later than it, even from an older transaction', async () => {
    const { system } = harness;
    const claim = await runningTask();
    await system.context.db.transaction(async (tx) => {
      // The transaction starts (and fixes now()) before the progress write commits elsewhere.
      await tx.execute(sql`select 1`);
      await new Promise((resolve) => setTimeout(resolve, 20));
      await write([progressOf(claim, 10)]);
      await appendEvents(tx, [statusEvent(claim.taskId, 'cancelled', 1)]);
    });
    const [, progress, cancelled] = await readEvents(system.context.db, claim.taskId, 0);
    expect(progress?.type).toBe('progress');
    expect(cancelled?.type).toBe('status');
    expect(Date.parse(cancelled?.at ?? '')).toBeGreaterThanOrEqual(Date.parse(progress?.at ?? ''));
  });
});
