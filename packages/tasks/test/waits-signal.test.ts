import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GroupEvent, TaskEvent, TaskView } from '@kaygraph/contracts';
import { afterAll, describe, expect, it } from 'vitest';
import {
  alice,
  bob,
  ranNodes,
  startTestSystem,
  useSystemWithWorker,
  WORKFLOWS_MODULE,
  waitFor,
  waitForStatus,
  waitForTerminal,
} from './harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'kaygraph-waits-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const harness = useSystemWithWorker({ concurrency: 2, pollIntervalMs: 200 });

let files = 0;
function recordFile(): string {
  files += 1;
  return join(dir, `record-${files}.jsonl`);
}

async function eventsOf(taskId: string): Promise<TaskEvent[]> {
  const events: TaskEvent[] = [];
  for await (const event of harness.system.tasks.events(alice, taskId, {})) events.push(event);
  return events;
}

/** The deadline of a task waiting for a signal, in ms. */
function deadlineOf(task: TaskView): number {
  return Date.parse(task.wait?.kind === 'signal' ? (task.wait.deadline ?? '') : '');
}

async function submitWaiting(params: Record<string, unknown>, workflow = 'wait_signal'): Promise<string> {
  const { task_id } = await harness.system.tasks.submit(alice, { workflow, params, priority: 'normal' });
  await waitForStatus(harness.system, alice, task_id, ['waiting']);
  return task_id;
}

describe('waiting for a signal', () => {
  it('stores the wait, then resumes from the node after it exactly once', async () => {
    const { system } = harness;
    const file = recordFile();
    const taskId = await submitWaiting({ record_file: file });
    const task = await system.tasks.get(alice, taskId);
    expect(task).toMatchObject({ status: 'waiting', parent_task_id: null });
    expect(task.wait).toMatchObject({
      kind: 'signal',
      signal: 'approval',
      node_id: 'await_approval',
      deadline: null,
    });
    expect(task.wait?.kind === 'signal' && task.wait.schema).toMatchObject({
      type: 'object',
      properties: { approved: { type: 'boolean' } },
    });

    const answer = await system.tasks.signal(alice, {
      task_id: taskId,
      name: 'approval',
      payload: { approved: true, note: 'ship it' },
    });
    expect(answer).toEqual({
      task_id: taskId,
      name: 'approval',
      taken: 'resumed',
      status: 'queued',
      deduplicated: false,
    });
    expect(await waitForTerminal(system, alice, taskId)).toBe('completed');
    expect((await system.tasks.result(alice, taskId)).result).toEqual({
      decision: 'approved',
      approval: { approved: true, note: 'ship it' },
    });
    expect(ranNodes(file, taskId)).toEqual(['before', 'await_approval', 'approved']);
    expect((await system.tasks.get(alice, taskId)).wait).toBeNull();

    const events = await eventsOf(taskId);
    const kinds = events.map((event) => (event.type === 'status' ? `status:${event.status}` : event.type));
    expect(kinds.filter((kind) => kind !== 'progress' && kind !== 'log')).toEqual([
      'status:queued',
      'status:running',
      'status:waiting',
      'waiting',
      'signal_received',
      'status:queued',
      'status:running',
      'status:completed',
    ]);
    expect(events.find((event) => event.type === 'signal_received')).toMatchObject({
      name: 'approval',
      taken: 'resumed',
      payload: { approved: true, note: 'ship it' },
    });
  });

  it('takes exactly one of 50 signals racing for one wait; the others are CONFLICT', async () => {
    const { system } = harness;
    const file = recordFile();
    const taskId = await submitWaiting({ record_file: file });
    const answers = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) =>
        system.tasks.signal(alice, { task_id: taskId, name: 'approval', payload: { approved: i % 2 === 0 } }),
      ),
    );
    const taken = answers.flatMap((answer) => (answer.status === 'fulfilled' ? [answer.value.taken] : []));
    const refused = answers.flatMap((answer) => (answer.status === 'rejected' ? [answer.reason] : []));
    expect(taken.filter((how) => how === 'resumed')).toHaveLength(1);
    // A signal that lands once the resumed run got past its wait is kept for a wait to come (documented);
    // any other is refused.
    expect(taken.filter((how) => how !== 'resumed').every((how) => how === 'stored')).toBe(true);
    expect(refused).toHaveLength(50 - taken.length);
    for (const reason of refused) expect(reason).toMatchObject({ code: 'CONFLICT' });
    expect(await waitForTerminal(system, alice, taskId)).toBe('completed');
    const after = ranNodes(file, taskId).slice(2);
    expect(after).toHaveLength(1);
    const signalled = (await eventsOf(taskId)).filter((event) => event.type === 'signal_received');
    expect(signalled.filter((event) => event.taken === 'resumed')).toHaveLength(1);
    expect(signalled).toHaveLength(taken.length);
  });

  it('keeps a signal sent before the wait and takes it when the wait begins', async () => {
    const { system } = harness;
    const file = recordFile();
    const runAt = new Date(Date.now() + 1500).toISOString();
    const { task_id: taskId, status } = await system.tasks.submit(alice, {
      workflow: 'wait_signal',
      params: { record_file: file },
      run_at: runAt,
    });
    expect(status).toBe('scheduled');
    expect(
      await system.tasks.signal(alice, { task_id: taskId, name: 'approval', payload: { approved: false } }),
    ).toEqual({
      task_id: taskId,
      name: 'approval',
      taken: 'stored',
      status: 'scheduled',
      deduplicated: false,
    });
    // One kept signal per name: a second one before the wait is a conflict.
    await expect(
      system.tasks.signal(alice, { task_id: taskId, name: 'approval', payload: { approved: true } }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });

    expect(await waitForTerminal(system, alice, taskId)).toBe('completed');
    expect((await system.tasks.result(alice, taskId)).result).toMatchObject({ decision: 'rejected' });
    expect(ranNodes(file, taskId)).toEqual(['before', 'await_approval', 'rejected']);
    const signals = (await eventsOf(taskId)).filter((event) => event.type === 'signal_received');
    expect(signals.map((event) => event.type === 'signal_received' && event.taken)).toEqual([
      'stored',
      'resumed',
    ]);
  });

  it('keeps a signal for a later wait that is sent while the run resumed from an earlier wait', async () => {
    const { system } = harness;
    const file = recordFile();
    const release = join(dir, `release-${files}`);
    const taskId = await submitWaiting({ record_file: file, release_file: release }, 'wait_two_signals');
    await system.tasks.signal(alice, { task_id: taskId, name: 'approval', payload: { approved: true } });
    await waitFor(() => ranNodes(file, taskId).includes('hold'), 'the resumed run to reach hold');
    // The run is past its wait for `approval`: a `confirm` is kept for the wait to come.
    expect(
      await system.tasks.signal(alice, { task_id: taskId, name: 'confirm', payload: { by: 'carol' } }),
    ).toEqual({ task_id: taskId, name: 'confirm', taken: 'stored', status: 'running', deduplicated: false });
    writeFileSync(release, '');
    expect(await waitForTerminal(system, alice, taskId)).toBe('completed');
    expect((await system.tasks.result(alice, taskId)).result).toEqual({
      approval: { approved: true },
      confirm: { by: 'carol' },
    });
    expect(ranNodes(file, taskId)).toEqual(['await_approval', 'hold', 'await_confirm']);
  });

  it('refuses a payload that does not match the declared schema with a 400 naming the field', async () => {
    const { system } = harness;
    const taskId = await submitWaiting({});
    await expect(
      system.tasks.signal(alice, { task_id: taskId, name: 'approval', payload: { approved: 'yes' } }),
    ).rejects.toMatchObject({
      code: 'INVALID_PARAMS',
      issues: [expect.objectContaining({ path: 'payload.approved' })],
    });
    await expect(
      system.tasks.signal(alice, { task_id: taskId, name: 'review', payload: {} }),
    ).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('has no signal "review"'),
    });
    // Nothing was written: the task still waits, and no signal event was stored.
    const task = await system.tasks.get(alice, taskId);
    expect(task.status).toBe('waiting');
    await system.tasks.cancel(alice, taskId);
    expect((await eventsOf(taskId)).some((event) => event.type === 'signal_received')).toBe(false);
  });

  it("answers NOT_FOUND for another owner's task", async () => {
    const { system } = harness;
    const taskId = await submitWaiting({});
    await expect(
      system.tasks.signal(bob, { task_id: taskId, name: 'approval', payload: { approved: true } }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await system.tasks.get(alice, taskId)).status).toBe('waiting');
    await system.tasks.cancel(alice, taskId);
  });

  it('cancels a waiting task; a signal after that is CONFLICT', async () => {
    const { system } = harness;
    const file = recordFile();
    const taskId = await submitWaiting({ record_file: file, deadline_seconds: 1, on_timeout: true });
    const deadline = deadlineOf(await system.tasks.get(alice, taskId));
    expect(await system.tasks.cancel(alice, taskId)).toEqual({ task_id: taskId, status: 'cancelled' });
    const task = await system.tasks.get(alice, taskId);
    expect(task).toMatchObject({ status: 'cancelled', wait: null, error: { code: 'CANCELLED' } });
    await expect(
      system.tasks.signal(alice, { task_id: taskId, name: 'approval', payload: { approved: true } }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    // The deadline passing later changes nothing.
    await waitFor(() => Date.now() > deadline + 1000, 'the deadline to be well past');
    expect((await system.tasks.get(alice, taskId)).status).toBe('cancelled');
    expect(ranNodes(file, taskId)).toEqual(['before', 'await_approval']);
    expect((await eventsOf(taskId)).some((event) => event.type === 'log')).toBe(false);
  });
});

describe("a signal's payload as its zod schema outputs it", () => {
  // The repro's payload: `by` to trim and lowercase, `when` to coerce, `tags` left to its default, an
  // unknown key to drop. Its JSON Schema accepts it as it is.
  const payload = { amount: 10, by: '  ALICE ', when: '2026-01-01', extra: { x: 1 } };

  for (const workflow of ['wait_order', 'wait_order_inline']) {
    it(`reaches the waiting node parsed (${workflow})`, async () => {
      const { system } = harness;
      const taskId = await submitWaiting({}, workflow);
      const answer = await system.tasks.signal(alice, { task_id: taskId, name: 'order', payload });
      expect(answer.taken).toBe('resumed');
      expect(await waitForTerminal(system, alice, taskId)).toBe('completed');
      expect((await system.tasks.result(alice, taskId)).result).toEqual({
        received: { amount: 10, by: 'alice', when: { date: '2026-01-01T00:00:00.000Z' }, tags: [] },
      });
    });

    it(`fails the task, not retried, when zod refuses what the JSON Schema let through (${workflow})`, async () => {
      const { system } = harness;
      const file = recordFile();
      const { task_id: taskId } = await system.tasks.submit(alice, {
        workflow,
        params: { record_file: file },
        max_retries: 2,
      });
      await waitForStatus(system, alice, taskId, ['waiting']);
      // The api checks the JSON Schema only: the refinement is the worker's to find.
      const refused = { ...payload, amount: 7 };
      const answer = await system.tasks.signal(alice, { task_id: taskId, name: 'order', payload: refused });
      expect(answer.taken).toBe('resumed');
      expect(await waitForTerminal(system, alice, taskId)).toBe('failed');
      const task = await system.tasks.get(alice, taskId);
      expect(task).toMatchObject({
        status: 'failed',
        attempt: 2,
        max_retries: 2,
        wait: null,
        error: {
          code: 'INVALID_PARAMS',
          node_id: 'await_order',
          message: `payload does not match the signal "order" of workflow "${workflow}": payload.amount: must be a multiple of 5`,
        },
      });
      expect(ranNodes(file, taskId)).toEqual(['await_order']);

      // Retried by hand, the node waits again; a payload zod accepts then goes through.
      await system.tasks.retry(alice, taskId);
      await waitForStatus(system, alice, taskId, ['waiting']);
      await system.tasks.signal(alice, { task_id: taskId, name: 'order', payload });
      expect(await waitForTerminal(system, alice, taskId)).toBe('completed');
      expect(ranNodes(file, taskId)).toEqual(['await_order', 'await_order', 'ordered']);
    });
  }
});

describe('deadlines', () => {
  it('a wait that a signal ended ignores its deadline', async () => {
    const { system } = harness;
    const file = recordFile();
    const taskId = await submitWaiting({ record_file: file, deadline_seconds: 1, on_timeout: true });
    const deadline = deadlineOf(await system.tasks.get(alice, taskId));
    await system.tasks.signal(alice, { task_id: taskId, name: 'approval', payload: { approved: true } });
    expect(await waitForTerminal(system, alice, taskId)).toBe('completed');
    await waitFor(() => Date.now() > deadline + 1000, 'the deadline to be well past');
    expect(ranNodes(file, taskId)).toEqual(['before', 'await_approval', 'approved']);
    expect((await system.tasks.result(alice, taskId)).result).toMatchObject({ decision: 'approved' });
    expect((await eventsOf(taskId)).some((event) => event.type === 'log')).toBe(false);
  });

  it("takes the node's timeout action when the deadline passes", async () => {
    const { system } = harness;
    const file = recordFile();
    const taskId = await submitWaiting({ record_file: file, deadline_seconds: 1, on_timeout: true });
    const task = await system.tasks.get(alice, taskId);
    expect(task.wait?.kind === 'signal' && task.wait.deadline).toEqual(expect.any(String));
    expect(await waitForTerminal(system, alice, taskId)).toBe('completed');
    expect((await system.tasks.result(alice, taskId)).result).toEqual({
      decision: 'timeout',
      approval: null,
    });
    expect(ranNodes(file, taskId)).toEqual(['before', 'await_approval', 'timed_out']);
    expect(await eventsOf(taskId)).toContainEqual(
      expect.objectContaining({
        type: 'log',
        message: 'the deadline of the wait for the signal "approval" passed',
      }),
    );
    await expect(
      system.tasks.signal(alice, { task_id: taskId, name: 'approval', payload: { approved: true } }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('fails the task with WAIT_TIMEOUT when the node has no timeout action; a retry waits anew', async () => {
    const { system } = harness;
    const file = recordFile();
    const taskId = await submitWaiting({ record_file: file, deadline_seconds: 1 });
    const first = await system.tasks.get(alice, taskId);
    expect(await waitForTerminal(system, alice, taskId)).toBe('failed');
    expect((await system.tasks.get(alice, taskId)).error).toMatchObject({
      code: 'WAIT_TIMEOUT',
      node_id: 'await_approval',
    });

    // The waiting node runs again (a fresh deadline); the node before it does not.
    await system.tasks.retry(alice, taskId);
    await waitForStatus(system, alice, taskId, ['waiting']);
    const again = await system.tasks.get(alice, taskId);
    const deadlineOf = (wait: typeof again.wait) => (wait?.kind === 'signal' ? (wait.deadline ?? '') : '');
    expect(Date.parse(deadlineOf(again.wait))).toBeGreaterThan(Date.parse(deadlineOf(first.wait)));
    await system.tasks.signal(alice, { task_id: taskId, name: 'approval', payload: { approved: true } });
    expect(await waitForTerminal(system, alice, taskId)).toBe('completed');
    expect(ranNodes(file, taskId)).toEqual(['before', 'await_approval', 'await_approval', 'approved']);
  });
});

describe('durable sleep', () => {
  it('sleeps without a worker and runs the node after it once', async () => {
    const { system } = harness;
    const file = recordFile();
    const taskId = await submitWaiting({ record_file: file, seconds: 1 }, 'wait_sleep');
    const task = await system.tasks.get(alice, taskId);
    expect(task.wait).toMatchObject({ kind: 'sleep', node_id: 'doze', until: expect.any(String) });
    expect(await waitForTerminal(system, alice, taskId)).toBe('completed');
    expect((await system.tasks.result(alice, taskId)).result).toEqual({ woke: true });
    expect(ranNodes(file, taskId)).toEqual(['before', 'doze', 'after']);
    expect(await eventsOf(taskId)).toContainEqual(
      expect.objectContaining({ type: 'log', message: 'the sleep ended' }),
    );
  });
});

describe('a wait time PostgreSQL cannot store', () => {
  it('fails that task with WORKFLOW_ERROR; tasks settled beside it are unaffected', async () => {
    const { system } = harness;
    const submit = (seconds: number) =>
      system.tasks.submit(alice, { workflow: 'wait_sleep', params: { seconds } });
    const tasks = await Promise.all([submit(5e12), submit(0), submit(0), submit(5e12), submit(0)]);
    const statuses = await Promise.all(tasks.map((task) => waitForTerminal(system, alice, task.task_id)));
    expect(statuses).toEqual(['failed', 'completed', 'completed', 'failed', 'completed']);
    const failed = await system.tasks.get(alice, tasks[0]?.task_id ?? '');
    expect(failed.error).toMatchObject({
      code: 'WORKFLOW_ERROR',
      node_id: 'doze',
      message: expect.stringContaining('outside the years 1970 to 9999'),
    });
    expect(failed.wait).toBeNull();
  });
});

describe('a signal after the deadline, before its timer fired', () => {
  it('is CONFLICT', async () => {
    await using other = await startTestSystem();
    const worker = await other.system.startWorker({ concurrency: 1, workflowsModule: WORKFLOWS_MODULE });
    const { task_id: taskId } = await other.system.tasks.submit(alice, {
      workflow: 'wait_signal',
      params: { deadline_seconds: 1, on_timeout: true },
    });
    await waitForStatus(other.system, alice, taskId, ['waiting']);
    // No worker claims the timer: the task stays waiting past its deadline.
    await worker.stop();
    const task = await other.system.tasks.get(alice, taskId);
    const deadline = task.wait?.kind === 'signal' ? (task.wait.deadline ?? '') : '';
    await waitFor(() => Date.now() > Date.parse(deadline) + 50, 'the deadline to pass');
    await expect(
      other.system.tasks.signal(alice, { task_id: taskId, name: 'approval', payload: { approved: true } }),
    ).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('deadline passed') });
    expect((await other.system.tasks.get(alice, taskId)).status).toBe('waiting');
  });
});

describe('a task cancelled after a signal ended its wait', () => {
  it('forgets how the wait ended: retried, it waits again', async () => {
    await using other = await startTestSystem();
    const worker = await other.system.startWorker({ concurrency: 1, workflowsModule: WORKFLOWS_MODULE });
    const { task_id: taskId } = await other.system.tasks.submit(alice, {
      workflow: 'wait_signal',
      params: {},
    });
    await waitForStatus(other.system, alice, taskId, ['waiting']);
    // No worker claims the resumed task before the cancel.
    await worker.stop();
    await other.system.tasks.signal(alice, {
      task_id: taskId,
      name: 'approval',
      payload: { approved: false },
    });
    await other.system.tasks.cancel(alice, taskId);
    await other.system.startWorker({ concurrency: 1, workflowsModule: WORKFLOWS_MODULE });
    await other.system.tasks.retry(alice, taskId);
    await waitForStatus(other.system, alice, taskId, ['waiting']);
    await other.system.tasks.signal(alice, {
      task_id: taskId,
      name: 'approval',
      payload: { approved: true },
    });
    expect(await waitForTerminal(other.system, alice, taskId)).toBe('completed');
    expect((await other.system.tasks.result(alice, taskId)).result).toMatchObject({ decision: 'approved' });
  });
});

describe('a retry by hand starts without the signals kept for the run before it', () => {
  /** A `wait_signal` task held before its wait until its gate file is written ('fail' fails the run). */
  async function submitGated(): Promise<{ gate: string; taskId: string }> {
    const gate = join(dir, `gate-${files++}`);
    const { task_id: taskId } = await harness.system.tasks.submit(alice, {
      workflow: 'wait_signal',
      params: { gate_file: gate },
    });
    return { gate, taskId };
  }

  /** The signal events and the statuses of a task, in stream order, with the log lines that discarded signals. */
  async function signalHistory(taskId: string): Promise<string[]> {
    return (await eventsOf(taskId)).flatMap((event) => {
      if (event.type === 'status') return [event.status];
      if (event.type === 'signal_received') return [`${event.name}:${event.taken}`];
      if (event.type === 'log' && event.message.includes('kept')) return [event.message];
      return [];
    });
  }

  it('a signal kept for a running task is dropped when the cancelled task is retried: it waits again', async () => {
    const { system } = harness;
    const { gate, taskId } = await submitGated();
    await waitForStatus(system, alice, taskId, ['running']);
    const early = { approved: false, note: 'before the cancel' };
    expect(await system.tasks.signal(alice, { task_id: taskId, name: 'approval', payload: early })).toEqual({
      task_id: taskId,
      name: 'approval',
      taken: 'stored',
      status: 'running',
      deduplicated: false,
    });
    await system.tasks.cancel(alice, taskId);
    writeFileSync(gate, '');

    expect(await system.tasks.retry(alice, taskId)).toMatchObject({ status: 'queued' });
    // Not completed at once with the kept payload: the retried run waits.
    expect(await waitForStatus(system, alice, taskId, ['waiting', 'completed'])).toBe('waiting');
    expect((await system.tasks.get(alice, taskId)).wait).toMatchObject({
      kind: 'signal',
      signal: 'approval',
    });
    const answer = await system.tasks.signal(alice, {
      task_id: taskId,
      name: 'approval',
      payload: { approved: true, note: 'after the retry' },
    });
    expect(answer).toMatchObject({ taken: 'resumed' });
    expect(await waitForTerminal(system, alice, taskId)).toBe('completed');
    expect((await system.tasks.result(alice, taskId)).result).toEqual({
      decision: 'approved',
      approval: { approved: true, note: 'after the retry' },
    });
    expect(await signalHistory(taskId)).toEqual([
      'queued',
      'running',
      'approval:stored',
      'cancelled',
      'the signal "approval" kept for the run before this retry was discarded',
      'queued',
      'running',
      'waiting',
      'approval:resumed',
      'queued',
      'running',
      'completed',
    ]);
  });

  it('a redriven dead letter waits again for a signal kept before it failed', async () => {
    const { system } = harness;
    const { gate, taskId } = await submitGated();
    await waitForStatus(system, alice, taskId, ['running']);
    await system.tasks.signal(alice, { task_id: taskId, name: 'approval', payload: { approved: false } });
    writeFileSync(gate, 'fail');
    expect(await waitForTerminal(system, alice, taskId)).toBe('failed');
    writeFileSync(gate, '');

    await system.orchestration.deadLetters.redrive(alice, taskId);
    // Not completed at once with the kept payload: the retried run waits.
    expect(await waitForStatus(system, alice, taskId, ['waiting', 'completed'])).toBe('waiting');
    await system.tasks.signal(alice, { task_id: taskId, name: 'approval', payload: { approved: true } });
    expect(await waitForTerminal(system, alice, taskId)).toBe('completed');
    expect((await system.tasks.result(alice, taskId)).result).toMatchObject({ decision: 'approved' });
    expect((await signalHistory(taskId)).slice(2, 6)).toEqual([
      'approval:stored',
      'failed',
      'the signal "approval" kept for the run before this retry was discarded',
      'queued',
    ]);
  });

  it('a dependent blocked again by the retry of its dependency keeps the signal sent to it: it never ran', async () => {
    const { system } = harness;
    const { gate, taskId: dependencyId } = await submitGated();
    const { task_id: taskId, status } = await system.tasks.submit(alice, {
      workflow: 'wait_signal',
      params: {},
      depends_on: [dependencyId],
    });
    expect(status).toBe('blocked');
    expect(
      await system.tasks.signal(alice, { task_id: taskId, name: 'approval', payload: { approved: false } }),
    ).toMatchObject({ taken: 'stored', status: 'blocked' });
    writeFileSync(gate, 'fail');
    expect(await waitForTerminal(system, alice, taskId)).toBe('failed');
    writeFileSync(gate, '');

    await system.tasks.retry(alice, dependencyId);
    expect((await system.tasks.get(alice, taskId)).status).toBe('blocked');
    await waitForStatus(system, alice, dependencyId, ['waiting']);
    await system.tasks.signal(alice, {
      task_id: dependencyId,
      name: 'approval',
      payload: { approved: true },
    });
    // Its first run takes the signal kept for it at its wait.
    expect(await waitForTerminal(system, alice, taskId)).toBe('completed');
    expect((await system.tasks.result(alice, taskId)).result).toMatchObject({ decision: 'rejected' });
  });
});

describe('group streams', () => {
  it("carry the wait events of the group's tasks and count them as waiting", async () => {
    const { system } = harness;
    const { groups } = system.orchestration;
    const group = await groups.create(alice, { name: 'approvals' });
    const stream = groups.events(alice, group.group_id, {})[Symbol.asyncIterator]();
    // The first summary: the stream is live before the task exists.
    expect((await stream.next()).value).toMatchObject({ type: 'group', group: { status: 'pending' } });
    const added = await groups.addTasks(alice, {
      group_id: group.group_id,
      tasks: [{ workflow: 'wait_signal', params: {} }],
    });
    const taskId = added.tasks[0]?.task_id ?? '';
    await groups.execute(alice, group.group_id);
    await waitForStatus(system, alice, taskId, ['waiting']);
    expect(await groups.get(alice, { group_id: group.group_id })).toMatchObject({
      status: 'running',
      counts: { waiting: 1 },
    });
    await system.tasks.signal(alice, { task_id: taskId, name: 'approval', payload: { approved: true } });

    const received: GroupEvent[] = [];
    for (let next = await stream.next(); !next.done; next = await stream.next()) received.push(next.value);
    const taskEvents = received.flatMap((event) => (event.type === 'task' ? [event.event.type] : []));
    expect(taskEvents).toEqual(expect.arrayContaining(['waiting', 'signal_received']));
    expect(received.at(-1)).toMatchObject({ type: 'group', group: { status: 'completed' } });
  });
});
