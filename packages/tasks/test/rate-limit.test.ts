import { randomUUID } from 'node:crypto';
import type { StatusEvent } from '@kaygraph/contracts';
import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import type { Caller } from '../src/caller.ts';
import { rowsOf, type Transaction } from '../src/db.ts';
import { claimJobs } from '../src/store/claim.ts';
import type { TaskSystem } from '../src/system.ts';
import {
  HOURLY_LIMIT,
  RATE_LIMIT,
  RATED_WORKFLOWS_MODULE,
  catalog as ratedCatalog,
} from './fixtures/rated-workflows.ts';
import { alice, anotherSystem, queueOf, startTestSystem, waitFor, waitForTerminal } from './harness.ts';

const QUICK = { steps: 1, step_ms: 0 };
/** No poll within a test: only wake-ups (a task queued, a rate limit's next start) fetch. */
const WORKER = { concurrency: 4, workflowsModule: RATED_WORKFLOWS_MODULE, pollIntervalMs: 3_600_000 };

async function startRatedSystem() {
  return startTestSystem({ catalog: ratedCatalog });
}

/** When each attempt of the task started: its `running` events, as its event stream shows them. */
async function attemptStartTimes(system: TaskSystem, caller: Caller, taskId: string): Promise<number[]> {
  const starts: number[] = [];
  for await (const event of system.tasks.events(caller, taskId, {})) {
    if (event.type === 'status' && (event as StatusEvent).status === 'running')
      starts.push(Date.parse(event.at));
  }
  return starts;
}

/** The most starts within any window of `seconds` (each window opening at a start). */
function busiestWindow(starts: readonly number[], seconds: number): number {
  return Math.max(
    ...starts.map((from) => starts.filter((at) => at >= from && at < from + seconds * 1000).length),
  );
}

async function statusOf(system: TaskSystem, taskId: string): Promise<string> {
  return (await system.tasks.get(alice, taskId)).status;
}

it('across two workers, no more tasks start in any window than the limit allows, retries included; all complete', async () => {
  await using harness = await startRatedSystem();
  const { system, database } = harness;
  await using other = await anotherSystem(database.url);
  await system.startWorker(WORKER);
  await other.startWorker(WORKER);

  // Two of them fail their first attempt and are retried at once: each retry is a start too.
  const { tasks } = await system.tasks.submitMany(alice, [
    ...Array.from({ length: 7 }, () => ({ workflow: 'rated', params: QUICK })),
    ...Array.from({ length: 2 }, () => ({
      workflow: 'rated',
      params: { ...QUICK, fail_attempts: 1 },
      max_retries: 1,
    })),
  ]);
  for (const task of tasks) expect(await waitForTerminal(system, alice, task.task_id)).toBe('completed');

  const starts = (
    await Promise.all(tasks.map((task) => attemptStartTimes(system, alice, task.task_id)))
  ).flat();
  expect(starts).toHaveLength(11);
  expect(busiestWindow(starts, RATE_LIMIT.per_seconds)).toBeLessThanOrEqual(RATE_LIMIT.max);
  // The tasks' started_at (their first attempts) as GET /tasks/{id} shows them.
  const views = await Promise.all(tasks.map((task) => system.tasks.get(alice, task.task_id)));
  const startedAt = views.map((view) => Date.parse(view.started_at ?? ''));
  expect(busiestWindow(startedAt, RATE_LIMIT.per_seconds)).toBeLessThanOrEqual(RATE_LIMIT.max);
});

it('holds the tasks past the limit queued while a workflow without a limit runs all of its own', async () => {
  await using harness = await startRatedSystem();
  const { system } = harness;
  await system.startWorker(WORKER);
  const hourly = await system.tasks.submitMany(
    alice,
    Array.from({ length: 4 }, () => ({ workflow: 'rated_hourly', params: QUICK })),
  );
  const unlimited = await system.tasks.submitMany(
    alice,
    Array.from({ length: 6 }, () => ({ workflow: 'steps_inline', params: QUICK })),
  );
  for (const task of unlimited.tasks)
    expect(await waitForTerminal(system, alice, task.task_id)).toBe('completed');
  const hourlyIds = hourly.tasks.map((task) => task.task_id);
  await waitFor(async () => {
    const statuses = await Promise.all(hourlyIds.map((id) => statusOf(system, id)));
    return statuses.filter((status) => status === 'completed').length === HOURLY_LIMIT.max;
  }, 'the hour to start its two tasks');
  // A task queued now waits for the window as well, and a wake-up (its submit) does not start it.
  const late = await system.tasks.submit(alice, { workflow: 'rated_hourly', params: QUICK });
  const more = await system.tasks.submit(alice, { workflow: 'steps_inline', params: QUICK });
  expect(await waitForTerminal(system, alice, more.task_id)).toBe('completed');
  const statuses = await Promise.all([...hourlyIds, late.task_id].map((id) => statusOf(system, id)));
  expect(statuses.sort()).toEqual(['completed', 'completed', 'queued', 'queued', 'queued']);
  for (const id of [...hourlyIds, late.task_id]) {
    if ((await statusOf(system, id)) === 'queued') await system.tasks.cancel(alice, id);
  }
});

it('counts the starts a claim made, not the ones it asked for, and says when the next one comes', async () => {
  await using harness = await startRatedSystem();
  const { system } = harness;
  const { db, queue } = system.context;
  const claim = (want: number) =>
    db.transaction((tx: Transaction) =>
      claimJobs(tx, queue, randomUUID(), queueOf('rated_hourly', ratedCatalog), want),
    );
  await system.tasks.submit(alice, { workflow: 'rated_hourly', params: QUICK });
  // Asks for 5, the hour allows 2, one job is there: one start made, one left.
  const first = await claim(5);
  expect(first.attempts).toHaveLength(1);
  expect(first.nextStartInSeconds).toBeNull();
  await system.tasks.submitMany(
    alice,
    Array.from({ length: 3 }, () => ({ workflow: 'rated_hourly', params: QUICK })),
  );
  const second = await claim(5);
  expect(second.attempts).toHaveLength(1);
  // That was the hour's last start: the claim says when the next one comes (the hour after the first).
  expect(second.nextStartInSeconds).toBeGreaterThan(0);
  expect(second.nextStartInSeconds).toBeLessThanOrEqual(HOURLY_LIMIT.per_seconds);
  const third = await claim(5);
  expect(third.jobs).toHaveLength(0);
  expect(third.nextStartInSeconds).toBeGreaterThan(0);
});

it('two claims at once share one window: the second counts the starts of the first', async () => {
  await using harness = await startRatedSystem();
  const { system } = harness;
  const { db, queue } = system.context;
  await system.tasks.submitMany(
    alice,
    Array.from({ length: 4 }, () => ({ workflow: 'rated_hourly', params: QUICK })),
  );
  const claim = (tx: Transaction, want: number) =>
    claimJobs(tx, queue, randomUUID(), queueOf('rated_hourly', ratedCatalog), want);
  let commitFirst = () => {};
  const firstOpen = new Promise<void>((resolve) => {
    commitFirst = resolve;
  });
  let claimedFirst = () => {};
  const firstHasClaimed = new Promise<void>((resolve) => {
    claimedFirst = resolve;
  });
  let firstClaimed = 0;
  // The first claim holds its transaction open after claiming: its starts are not committed yet.
  const first = db.transaction(async (tx) => {
    firstClaimed = (await claim(tx, 2)).attempts.length;
    claimedFirst();
    await firstOpen;
  });
  await firstHasClaimed;
  const second = db.transaction((tx) => claim(tx, 2));
  await Promise.race([second, waitFor(() => claimWaitsForLog(system), 'the second claim to wait')]);
  commitFirst();
  await first;
  expect(firstClaimed).toBe(2);
  expect((await second).attempts).toHaveLength(0);
});

/** Whether a session of the test database waits for a row lock (a claim behind another's rate limit log). */
async function claimWaitsForLog(system: TaskSystem): Promise<boolean> {
  const rows = rowsOf<{ waiting: number }>(
    await system.context.db.execute(
      sql`select count(*)::int as waiting from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
    ),
  );
  return (rows[0]?.waiting ?? 0) > 0;
}
