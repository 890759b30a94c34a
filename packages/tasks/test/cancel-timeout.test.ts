import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  alice,
  bob,
  queueOf,
  readRecords,
  useSystemWithWorker,
  waitFor,
  waitForStatus,
  waitForTerminal,
} from './harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'kg-cancel-'));

const harness = useSystemWithWorker({ concurrency: 2 }, { tuning: { abortGraceSeconds: 1 } });

const idle = () => waitFor(() => harness.worker.active === 0, 'the worker to be idle');

describe('cancel', () => {
  it('cancels a task that waits in the queue: it never runs', async () => {
    const { system } = harness;
    const record = join(dir, 'pending.jsonl');
    const later = new Date(Date.now() + 60_000).toISOString();
    const { task_id, status } = await system.tasks.submit(alice, {
      workflow: 'steps',
      params: { steps: 1, record_file: record },
      priority: 'normal',
      run_at: later,
    });
    expect(status).toBe('scheduled');
    await expect(system.tasks.cancel(bob, task_id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await system.tasks.cancel(alice, task_id)).toEqual({ task_id, status: 'cancelled' });
    const job = await system.context.queue.findJob(queueOf('steps'), task_id);
    expect(job?.state).toBe('cancelled');
    await expect(system.tasks.cancel(alice, task_id)).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(readRecords(record)).toEqual([]);
  });

  for (const ignoreAbort of [false, true]) {
    it(`cancels a running task: no later node runs (${ignoreAbort ? 'a node that ignores the signal' : 'the node honours the signal'})`, async () => {
      const { system } = harness;
      const record = join(dir, `running-${ignoreAbort}.jsonl`);
      const { task_id } = await system.tasks.submit(alice, {
        workflow: 'steps',
        params: { steps: 3, step_ms: 700, record_file: record, ignore_abort: ignoreAbort },
        priority: 'normal',
      });
      await waitFor(
        () => readRecords(record).some((r) => r.node === 'step_2' && r.phase === 'start'),
        'step_2 to start',
      );
      expect(await system.tasks.cancel(alice, task_id)).toEqual({ task_id, status: 'cancelled' });
      await idle();
      const nodes = readRecords(record)
        .filter((r) => r.phase === 'start')
        .map((r) => r.node);
      expect(nodes).toEqual(['step_1', 'step_2']);
      const task = await system.tasks.get(alice, task_id);
      expect(task.status).toBe('cancelled');
      expect(task.error?.code).toBe('CANCELLED');
      const statuses = [];
      for await (const event of system.tasks.events(alice, task_id, {}))
        if (event.type === 'status') statuses.push(event.status);
      expect(statuses).toEqual(['queued', 'running', 'cancelled']);
    });
  }
});

describe('timeout', () => {
  it('aborts the graph when the timeout expires and fails with TIMEOUT', async () => {
    const { system } = harness;
    const record = join(dir, 'timeout.jsonl');
    const { task_id } = await system.tasks.submit(alice, {
      workflow: 'steps',
      params: { steps: 3, step_ms: 5000, record_file: record },
      priority: 'normal',
      timeout_seconds: 1,
    });
    expect(await waitForTerminal(system, alice, task_id)).toBe('failed');
    const task = await system.tasks.get(alice, task_id);
    expect(task.error).toMatchObject({ code: 'TIMEOUT', attempt: 1 });
    expect(readRecords(record).map((r) => `${r.node}:${r.phase}`)).toEqual(['step_1:start']);
  });

  // The node that hung is the one to look at: the error names it as other failures name theirs.
  for (const workflow of ['steps', 'steps_inline']) {
    for (const ignoreAbort of [false, true]) {
      it(`names the node that was running when the time ran out (${workflow}, ${ignoreAbort ? 'the node ignores the abort' : 'the node honours it'})`, async () => {
        const { system } = harness;
        const { task_id } = await system.tasks.submit(alice, {
          workflow,
          // step_1 ends at once, step_2 never does in the first attempt.
          params: { steps: 3, step_ms: 0, hold_attempts: 1, hold_step: 2, ignore_abort: ignoreAbort },
          priority: 'normal',
          timeout_seconds: 1,
          max_retries: 0,
        });
        expect(await waitForTerminal(system, alice, task_id)).toBe('failed');
        const task = await system.tasks.get(alice, task_id);
        expect(task.error).toMatchObject({
          code: 'TIMEOUT',
          message: 'timed out after 1s in node "step_2"',
          node_id: 'step_2',
          attempt: 1,
        });
        await idle();
      });
    }
  }

  it('terminates a task that ignores the abort after the grace period', async () => {
    const { system } = harness;
    const { task_id } = await system.tasks.submit(alice, {
      workflow: 'steps',
      params: { steps: 1, step_ms: 30_000, ignore_abort: true },
      priority: 'normal',
      timeout_seconds: 1,
    });
    await waitForStatus(system, alice, task_id, ['running']);
    expect(await waitForTerminal(system, alice, task_id)).toBe('failed');
    expect((await system.tasks.get(alice, task_id)).error?.code).toBe('TIMEOUT');
    await idle();
    // The pool replaced the terminated thread: the next task runs.
    const next = await system.tasks.submit(alice, {
      workflow: 'steps',
      params: { steps: 1 },
      priority: 'normal',
    });
    expect(await waitForTerminal(system, alice, next.task_id)).toBe('completed');
  });
});
