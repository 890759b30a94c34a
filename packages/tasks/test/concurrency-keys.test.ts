import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DomainError } from '@kaygraph/contracts';
import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { rowsOf, type Transaction } from '../src/db.ts';
import { claimJobs } from '../src/store/claim.ts';
import type { TaskSystem } from '../src/system.ts';
import { KEYED_WORKFLOWS_MODULE, catalog as keyedCatalog } from './fixtures/keyed-workflows.ts';
import {
  alice,
  anotherSystem,
  bob,
  queueOf,
  startTestSystem,
  waitFor,
  waitForStatus,
  waitForTerminal,
} from './harness.ts';

/** Held until stopped: the first run of a task whose steps never end on their own (cancel ends it). */
const HELD = { steps: 1, hold_attempts: 1 };
const QUICK = { steps: 1, step_ms: 0 };

async function startKeyedSystem() {
  return startTestSystem({ catalog: keyedCatalog });
}

async function statusOf(system: TaskSystem, taskId: string): Promise<string> {
  return (await system.tasks.get(alice, taskId)).status;
}

it('a key runs one task at a time across two workers; other keys and tasks without a key run beside it', async () => {
  await using harness = await startKeyedSystem();
  const { system, database } = harness;
  await using other = await anotherSystem(database.url);
  // No poll within the test on either worker: only wake-ups (a task queued, a keyed task ended) fetch.
  const worker = { concurrency: 3, workflowsModule: KEYED_WORKFLOWS_MODULE, pollIntervalMs: 3_600_000 };
  await system.startWorker(worker);
  await other.startWorker(worker);

  const first = await system.tasks.submit(alice, {
    workflow: 'keyed',
    params: HELD,
    concurrency_key: 'acct-1',
  });
  await waitForStatus(system, alice, first.task_id, ['running']);
  const { tasks } = await system.tasks.submitMany(alice, [
    { workflow: 'keyed', params: QUICK, concurrency_key: 'acct-1' },
    { workflow: 'keyed', params: QUICK, concurrency_key: 'acct-2' },
    { workflow: 'keyed', params: QUICK },
    // Another owner's key of the same name is another key.
    { workflow: 'keyed', params: QUICK, concurrency_key: 'acct-1' },
  ]);
  const [sameKey, otherKey, noKey] = tasks.slice(0, 3).map((task) => task.task_id);
  const bobs = await system.tasks.submit(bob, {
    workflow: 'keyed',
    params: QUICK,
    concurrency_key: 'acct-1',
  });
  expect(await waitForTerminal(system, alice, otherKey ?? '')).toBe('completed');
  expect(await waitForTerminal(system, alice, noKey ?? '')).toBe('completed');
  expect(await waitForTerminal(system, bob, bobs.task_id)).toBe('completed');
  // Five slots were free on the two workers while the tasks above ran: the key's slot kept this one queued.
  expect(await statusOf(system, sameKey ?? '')).toBe('queued');
  const view = await system.tasks.get(alice, sameKey ?? '');
  expect(view.concurrency_key).toBe('acct-1');

  // Cancelling the running task frees the key once its run stopped; the next one starts on its own.
  await system.tasks.cancel(alice, first.task_id);
  expect(await waitForTerminal(system, alice, first.task_id)).toBe('cancelled');
  expect(await waitForTerminal(system, alice, sameKey ?? '')).toBe('completed');
});

it('a limit of 2 runs two tasks of a key at once and holds the third', async () => {
  await using harness = await startKeyedSystem();
  const { system } = harness;
  await system.startWorker({
    concurrency: 4,
    workflowsModule: KEYED_WORKFLOWS_MODULE,
    pollIntervalMs: 3_600_000,
  });
  const { tasks } = await system.tasks.submitMany(
    alice,
    Array.from({ length: 3 }, () => ({ workflow: 'keyed_pair', params: HELD, concurrency_key: 'tenant-9' })),
  );
  const ids = tasks.map((task) => task.task_id);
  await waitFor(async () => {
    const statuses = await Promise.all(ids.map((id) => statusOf(system, id)));
    return statuses.filter((status) => status === 'running').length === 2;
  }, 'two tasks of the key running');
  const free = await system.tasks.submit(alice, { workflow: 'keyed_pair', params: QUICK });
  expect(await waitForTerminal(system, alice, free.task_id)).toBe('completed');
  const statuses = await Promise.all(ids.map((id) => statusOf(system, id)));
  expect(statuses.sort()).toEqual(['queued', 'running', 'running']);
  for (const id of ids) await system.tasks.cancel(alice, id);
});

it('a failed attempt gives its slot back while its retry waits out the backoff', async () => {
  await using harness = await startKeyedSystem();
  const { system } = harness;
  await system.startWorker({
    concurrency: 2,
    workflowsModule: KEYED_WORKFLOWS_MODULE,
    pollIntervalMs: 3_600_000,
  });
  const failing = await system.tasks.submit(alice, {
    workflow: 'keyed',
    params: { steps: 1, step_ms: 0, fail_attempts: 1 },
    concurrency_key: 'k',
    max_retries: 1,
    retry_delay: 3_600,
  });
  await waitFor(async () => {
    const task = await system.tasks.get(alice, failing.task_id);
    return task.status === 'queued' && task.error !== null;
  }, 'the first attempt to fail and its retry to wait');
  const next = await system.tasks.submit(alice, { workflow: 'keyed', params: QUICK, concurrency_key: 'k' });
  expect(await waitForTerminal(system, alice, next.task_id)).toBe('completed');
  expect(await statusOf(system, failing.task_id)).toBe('queued');
  await system.tasks.cancel(alice, failing.task_id);
});

it('a task waiting for a signal holds no slot; once signalled it resumes when the key is free', async () => {
  await using harness = await startKeyedSystem();
  const { system } = harness;
  await system.startWorker({
    concurrency: 3,
    workflowsModule: KEYED_WORKFLOWS_MODULE,
    pollIntervalMs: 3_600_000,
  });
  const waiting = await system.tasks.submit(alice, {
    workflow: 'keyed_wait',
    params: {},
    concurrency_key: 'k',
  });
  await waitForStatus(system, alice, waiting.task_id, ['waiting']);
  // The key's slot is free while its task waits: another task of the key runs (held before its own wait).
  const gate = join(mkdtempSync(join(tmpdir(), 'kg-keys-')), 'gate');
  const busy = await system.tasks.submit(alice, {
    workflow: 'keyed_wait',
    params: { gate_file: gate },
    concurrency_key: 'k',
  });
  await waitForStatus(system, alice, busy.task_id, ['running']);
  // Signalled while the other holds the slot: queued until it frees.
  await system.tasks.signal(alice, {
    task_id: waiting.task_id,
    name: 'approval',
    payload: { approved: true },
  });
  const free = await system.tasks.submit(alice, { workflow: 'keyed_wait', params: { gate_file: gate } });
  await waitForStatus(system, alice, free.task_id, ['running']);
  expect(await statusOf(system, waiting.task_id)).toBe('queued');
  // The busy task goes on to its own wait, which frees the key: the signalled task resumes and ends.
  writeFileSync(gate, 'go');
  expect(await waitForTerminal(system, alice, waiting.task_id)).toBe('completed');
  expect(await waitForStatus(system, alice, busy.task_id, ['waiting'])).toBe('waiting');
  for (const id of [busy.task_id, free.task_id]) await system.tasks.cancel(alice, id);
});

it('two claims that run at once never take two slots of a key of limit 1', async () => {
  await using harness = await startKeyedSystem();
  const { system } = harness;
  const { db, queue } = system.context;
  await system.tasks.submitMany(alice, [
    { workflow: 'keyed', params: QUICK, concurrency_key: 'acct' },
    { workflow: 'keyed', params: QUICK, concurrency_key: 'acct' },
  ]);
  const claim = (tx: Transaction, want: number) =>
    claimJobs(tx, queue, randomUUID(), queueOf('keyed', keyedCatalog), want);
  let commitFirst = () => {};
  const firstOpen = new Promise<void>((resolve) => {
    commitFirst = resolve;
  });
  let firstClaimed = 0;
  let claimedFirst = () => {};
  const firstHasClaimed = new Promise<void>((resolve) => {
    claimedFirst = resolve;
  });
  // The first claim (a worker with one free slot) holds its transaction open after fetching: its job is
  // active, uncommitted, and the key's other job is not locked.
  const first = db.transaction(async (tx) => {
    firstClaimed = (await claim(tx, 1)).jobs.length;
    claimedFirst();
    await firstOpen;
  });
  await firstHasClaimed;
  const second = db.transaction((tx) => claim(tx, 5));
  // The second claim either finished on its own or waits for the first one's transaction.
  await Promise.race([second, waitFor(() => claimWaitsForLock(system), 'the second claim to wait')]);
  commitFirst();
  await first;
  expect(firstClaimed).toBe(1);
  expect((await second).jobs).toHaveLength(0);
});

/** Whether a session of the test database waits for an advisory lock (a claim behind another). */
async function claimWaitsForLock(system: TaskSystem): Promise<boolean> {
  const rows = rowsOf<{ waiting: number }>(
    await system.context.db.execute(
      sql`select count(*)::int as waiting from pg_locks where locktype = 'advisory' and not granted and database = (select oid from pg_database where datname = current_database())`,
    ),
  );
  return (rows[0]?.waiting ?? 0) > 0;
}

it('a key for a workflow that declares no per-key limit is refused with 400', async () => {
  await using harness = await startKeyedSystem();
  const { system } = harness;
  const refused = system.tasks.submit(alice, {
    workflow: 'steps_inline',
    params: {},
    concurrency_key: 'acct-1',
  });
  await expect(refused).rejects.toBeInstanceOf(DomainError);
  await expect(refused).rejects.toMatchObject({
    code: 'BAD_REQUEST',
    message: expect.stringContaining('declares no concurrency_per_key'),
  });
  expect((await system.tasks.list(alice, { limit: 20 })).items).toHaveLength(0);
});
