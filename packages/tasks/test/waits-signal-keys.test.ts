import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SignalTaskInput, TaskEvent } from '@kaygraph/contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { storedEvents } from './fixtures/stored-events.ts';
import {
  alice,
  bob,
  ranNodes,
  useSystemWithWorker,
  waitFor,
  waitForStatus,
  waitForTerminal,
} from './harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'kaygraph-signal-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const harness = useSystemWithWorker({ concurrency: 2, pollIntervalMs: 200 });

let runs = 0;
/** A wait_review task (content_review's loop) waiting on its first draft; its record and release files. */
async function reviewWaiting(): Promise<{ taskId: string; record: string; release: string }> {
  runs += 1;
  const record = join(dir, `record-${runs}.jsonl`);
  const release = join(dir, `release-${runs}`);
  const { task_id: taskId } = await harness.system.tasks.submit(alice, {
    workflow: 'wait_review',
    params: { record_file: record, release_file: release },
  });
  await waitForStatus(harness.system, alice, taskId, ['waiting']);
  return { taskId, record, release };
}

/** The task's wait for a verdict on `draft` (its n-th wait). */
async function waitingOnDraft(taskId: string, record: string, draft: number): Promise<void> {
  await waitFor(async () => {
    const task = await harness.system.tasks.get(alice, taskId);
    const waits = ranNodes(record, taskId).filter((node) => node === 'await_review').length;
    return task.status === 'waiting' && waits === draft;
  }, `task ${taskId} to wait on draft ${draft}`);
}

/** The task's stored `signal_received` events. */
async function signalEvents(taskId: string): Promise<TaskEvent[]> {
  const events = await storedEvents(harness.system.context.db, taskId);
  return events.filter((event) => event.type === 'signal_received');
}

const reject = (taskId: string, key?: string): SignalTaskInput => ({
  task_id: taskId,
  name: 'approval',
  payload: { approved: false, note: 'tighten the intro' },
  ...(key ? { idempotency_key: key } : {}),
});

describe('a repeated signal with its idempotency key', () => {
  it('is answered as the first and reaches neither the revision nor the next draft', async () => {
    const { system } = harness;
    const { taskId, record, release } = await reviewWaiting();
    const first = await system.tasks.signal(alice, reject(taskId, 'delivery-1'));
    expect(first).toEqual({
      task_id: taskId,
      name: 'approval',
      taken: 'resumed',
      status: 'queued',
      deduplicated: false,
    });
    const replay = { ...first, deduplicated: true };
    // The sender retries while the draft is being revised (the run is past its wait) ...
    await waitFor(() => ranNodes(record, taskId).includes('revise'), 'the revision to run');
    // The same payload, its fields in another order (a payload is compared as JSON values).
    const reordered = {
      ...reject(taskId, 'delivery-1'),
      payload: { note: 'tighten the intro', approved: false },
    };
    expect(await system.tasks.signal(alice, reordered)).toEqual(replay);
    writeFileSync(release, '');
    // ... and again once draft 2 waits for its verdict.
    await waitingOnDraft(taskId, record, 2);
    expect(await system.tasks.signal(alice, reject(taskId, 'delivery-1'))).toEqual(replay);

    // Draft 2 still waits for a reviewer: nothing was kept for it, and one signal was received.
    expect(await system.tasks.get(alice, taskId)).toMatchObject({
      status: 'waiting',
      wait: { kind: 'signal', signal: 'approval' },
    });
    expect(await signalEvents(taskId)).toHaveLength(1);
    expect(
      await system.tasks.signal(alice, {
        task_id: taskId,
        name: 'approval',
        payload: { approved: true },
        idempotency_key: 'delivery-2',
      }),
    ).toMatchObject({ taken: 'resumed', deduplicated: false });
    expect(await waitForTerminal(system, alice, taskId)).toBe('completed');
    expect((await system.tasks.result(alice, taskId)).result).toEqual({
      outcome: 'published',
      version: 2,
      reviews: [
        { version: 1, approved: false, note: 'tighten the intro' },
        { version: 2, approved: true, note: null },
      ],
    });
    // The first answer stands after the task finished.
    expect(await system.tasks.signal(alice, reject(taskId, 'delivery-1'))).toEqual(replay);
  });

  it('without a key, the same repeat is kept for the next wait and rejects draft 2 (documented)', async () => {
    const { system } = harness;
    const { taskId, record, release } = await reviewWaiting();
    await system.tasks.signal(alice, reject(taskId));
    await waitFor(() => ranNodes(record, taskId).includes('revise'), 'the revision to run');
    expect(await system.tasks.signal(alice, reject(taskId))).toMatchObject({ taken: 'stored' });
    writeFileSync(release, '');
    // Draft 2 took the kept repeat the moment it waited: nobody saw it, and draft 3 waits.
    await waitingOnDraft(taskId, record, 3);
    expect(ranNodes(record, taskId)).toEqual([
      'await_review',
      'revise',
      'await_review',
      'revise',
      'await_review',
    ]);
    await system.tasks.cancel(alice, taskId);
  });

  it('takes one of 20 concurrent deliveries of one key; the others get its answer', async () => {
    const { system } = harness;
    const { taskId } = await reviewWaiting();
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => system.tasks.signal(alice, reject(taskId, 'burst'))),
    );
    expect(answers.filter((answer) => !answer.deduplicated)).toHaveLength(1);
    for (const answer of answers) expect(answer).toMatchObject({ taken: 'resumed', status: 'queued' });
    expect(await signalEvents(taskId)).toHaveLength(1);
    await system.tasks.cancel(alice, taskId);
  });

  it('answers a kept signal as kept, also after the wait took it', async () => {
    const { system } = harness;
    // Held before its wait until the gate file exists: the signal arrives before the wait, whatever the timing.
    const gate = join(dir, `gate-early-${runs++}`);
    const { task_id: taskId } = await system.tasks.submit(alice, {
      workflow: 'wait_signal',
      params: { gate_file: gate },
    });
    const approve = {
      task_id: taskId,
      name: 'approval',
      payload: { approved: true },
      idempotency_key: 'early',
    };
    const first = await system.tasks.signal(alice, approve);
    expect(first).toMatchObject({ task_id: taskId, name: 'approval', taken: 'stored', deduplicated: false });
    expect(['queued', 'running']).toContain(first.status);
    expect(await system.tasks.signal(alice, approve)).toEqual({ ...first, deduplicated: true });
    writeFileSync(gate, '');
    expect(await waitForTerminal(system, alice, taskId)).toBe('completed');
    expect(await system.tasks.signal(alice, approve)).toEqual({ ...first, deduplicated: true });
  });

  it('refuses the key with another signal name or payload (409 naming it) and writes nothing', async () => {
    const { system } = harness;
    const { task_id: taskId } = await system.tasks.submit(alice, {
      workflow: 'wait_two_signals',
      params: { release_file: join(dir, 'never') },
    });
    await waitForStatus(system, alice, taskId, ['waiting']);
    // Stored for later: the key's signal does not end the wait, so a mismatch cannot hide behind a 409 of its own.
    await system.tasks.signal(alice, {
      task_id: taskId,
      name: 'confirm',
      payload: { by: 'carol' },
      idempotency_key: 'k',
    });
    const conflict = { code: 'CONFLICT', message: expect.stringContaining('idempotency key "k"') };
    await expect(
      system.tasks.signal(alice, {
        task_id: taskId,
        name: 'confirm',
        payload: { by: 'dave' },
        idempotency_key: 'k',
      }),
    ).rejects.toMatchObject({ ...conflict, issues: [expect.objectContaining({ path: 'idempotency_key' })] });
    await expect(
      system.tasks.signal(alice, {
        task_id: taskId,
        name: 'approval',
        payload: { approved: true },
        idempotency_key: 'k',
      }),
    ).rejects.toMatchObject(conflict);
    expect(await system.tasks.get(alice, taskId)).toMatchObject({ status: 'waiting' });
    expect(await signalEvents(taskId)).toHaveLength(1);
    // Keys are per task: another task takes the same key as new.
    const other = await reviewWaiting();
    expect(await system.tasks.signal(alice, { ...reject(other.taskId, 'k') })).toMatchObject({
      taken: 'resumed',
      deduplicated: false,
    });
    await system.tasks.cancel(alice, taskId);
    await system.tasks.cancel(alice, other.taskId);
  });

  it("answers NOT_FOUND for another owner's task, key or not", async () => {
    const { system } = harness;
    const { taskId } = await reviewWaiting();
    await system.tasks.signal(alice, reject(taskId, 'mine'));
    await expect(system.tasks.signal(bob, reject(taskId, 'mine'))).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await system.tasks.cancel(alice, taskId);
  });

  it('forgets the key of a kept signal that a retry by hand discarded: sent again, it is kept for the new run', async () => {
    const { system } = harness;
    const gate = join(dir, `gate-retry-${runs++}`);
    const { task_id: taskId } = await system.tasks.submit(alice, {
      workflow: 'wait_signal',
      params: { gate_file: gate },
    });
    await waitForStatus(system, alice, taskId, ['running']);
    const delivery: SignalTaskInput = {
      task_id: taskId,
      name: 'approval',
      payload: { approved: true },
      idempotency_key: 'delivery-before-the-retry',
    };
    expect(await system.tasks.signal(alice, delivery)).toMatchObject({
      taken: 'stored',
      deduplicated: false,
    });
    await system.tasks.cancel(alice, taskId);
    expect(await system.tasks.retry(alice, taskId)).toMatchObject({ status: 'queued' });
    // The retry dropped the kept signal: its key no longer answers for a signal that is not there.
    expect(await system.tasks.signal(alice, delivery)).toMatchObject({
      taken: 'stored',
      deduplicated: false,
    });
    writeFileSync(gate, '');
    expect(await waitForTerminal(system, alice, taskId)).toBe('completed');
    expect((await system.tasks.result(alice, taskId)).result).toMatchObject({ decision: 'approved' });
  });
});
