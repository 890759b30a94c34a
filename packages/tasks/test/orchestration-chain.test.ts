import type { StatusEvent, TaskEvent } from '@kaygraph/contracts';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { rowsOf } from '../src/db.ts';
import { catalog, ORCHESTRATION_WORKFLOWS_MODULE } from './fixtures/orchestration-workflows.ts';
import { alice, bob, useSystemWithWorker, waitForStatus, waitForTerminal } from './harness.ts';

const harness = useSystemWithWorker(
  { concurrency: 4, workflowsModule: ORCHESTRATION_WORKFLOWS_MODULE, pollIntervalMs: 200 },
  { catalog },
);

async function statuses(taskId: string): Promise<string[]> {
  const events: TaskEvent[] = [];
  for await (const event of harness.system.tasks.events(alice, taskId, {})) events.push(event);
  return events.filter((event): event is StatusEvent => event.type === 'status').map((event) => event.status);
}

describe('task chaining (depends_on)', () => {
  it("runs the spec's preprocess -> analyze -> report chain in order and passes results", async () => {
    const { tasks } = harness.system;
    const preprocess = await tasks.submit(alice, {
      workflow: 'preprocess',
      params: { text: 'the quick brown fox jumps over the lazy dog' },
      priority: 'normal',
      // Starts a moment later, so the whole chain is submitted while its first task waits.
      run_at: new Date(Date.now() + 500).toISOString(),
    });
    const analyze = await tasks.submit(alice, {
      workflow: 'analyze',
      params: {},
      priority: 'normal',
      depends_on: [preprocess.task_id],
    });
    const report = await tasks.submit(alice, {
      workflow: 'report',
      params: {},
      priority: 'normal',
      depends_on: [analyze.task_id],
    });
    expect(report.status).toBe('blocked');
    expect(await waitForTerminal(harness.system, alice, report.task_id)).toBe('completed');

    const [first, second, third] = await Promise.all(
      [preprocess, analyze, report].map((task) => tasks.get(alice, task.task_id)),
    );
    expect(second?.depends_on).toEqual([preprocess.task_id]);
    expect(second?.result).toEqual({ words: 9, unique: 8, inputs: [preprocess.task_id] });
    expect(third?.result).toEqual({
      summary: '9 words, 8 unique',
      dependencies: { [analyze.task_id]: second?.result },
    });
    // In order: each started after its dependency completed.
    expect(Date.parse(second?.started_at ?? '')).toBeGreaterThanOrEqual(
      Date.parse(first?.completed_at ?? ''),
    );
    expect(Date.parse(third?.started_at ?? '')).toBeGreaterThanOrEqual(
      Date.parse(second?.completed_at ?? ''),
    );
    expect(await statuses(report.task_id)).toEqual(['blocked', 'queued', 'running', 'completed']);
  });

  it('a failure in the middle fails the rest with DEPENDENCY_FAILED, transitively', async () => {
    const { tasks } = harness.system;
    const first = await tasks.submit(alice, {
      workflow: 'preprocess',
      params: { text: 'a b' },
      priority: 'normal',
      // Starts a moment later, so the whole chain is submitted while its first task waits.
      run_at: new Date(Date.now() + 500).toISOString(),
    });
    const middle = await tasks.submit(alice, {
      workflow: 'analyze',
      params: { fail: true },
      priority: 'normal',
      depends_on: [first.task_id],
    });
    const third = await tasks.submit(alice, {
      workflow: 'report',
      params: {},
      priority: 'normal',
      depends_on: [middle.task_id],
    });
    const fourth = await tasks.submit(alice, {
      workflow: 'report',
      params: {},
      priority: 'normal',
      depends_on: [third.task_id],
    });
    expect(await waitForTerminal(harness.system, alice, fourth.task_id)).toBe('failed');
    expect((await tasks.get(alice, first.task_id)).status).toBe('completed');
    expect((await tasks.get(alice, middle.task_id)).error?.code).toBe('WORKFLOW_ERROR');
    const thirdView = await tasks.get(alice, third.task_id);
    expect(thirdView).toMatchObject({ status: 'failed', started_at: null });
    expect(thirdView.error).toMatchObject({ code: 'DEPENDENCY_FAILED' });
    expect(thirdView.error?.message).toContain(middle.task_id);
    const fourthView = await tasks.get(alice, fourth.task_id);
    expect(fourthView.error).toMatchObject({ code: 'DEPENDENCY_FAILED' });
    expect(fourthView.error?.message).toContain(third.task_id);
    expect(await statuses(fourth.task_id)).toEqual(['blocked', 'failed']);

    // Submitted after its dependency already failed: failed at once, the same way.
    const late = await tasks.submit(alice, {
      workflow: 'report',
      params: {},
      priority: 'normal',
      depends_on: [middle.task_id],
    });
    expect(late.status).toBe('failed');
    expect((await tasks.get(alice, late.task_id)).error?.code).toBe('DEPENDENCY_FAILED');
  });

  it('retrying the failed link resumes the chain: its dependents wait again and run', async () => {
    const { tasks } = harness.system;
    // Scheduled a moment ahead, so both dependents are submitted (blocked) before it runs and fails.
    const link = await tasks.submit(alice, {
      workflow: 'flaky',
      params: { fail_attempts: 1 },
      priority: 'normal',
      max_retries: 0,
      run_at: new Date(Date.now() + 2_000).toISOString(),
    });
    const next = await tasks.submit(alice, {
      workflow: 'report',
      params: {},
      priority: 'normal',
      depends_on: [link.task_id],
    });
    const last = await tasks.submit(alice, {
      workflow: 'report',
      params: {},
      priority: 'normal',
      depends_on: [next.task_id],
    });
    expect(await waitForTerminal(harness.system, alice, last.task_id)).toBe('failed');
    expect((await tasks.get(alice, link.task_id)).status).toBe('failed');
    // A dependent cannot run ahead of its failed dependency.
    await expect(tasks.retry(alice, next.task_id)).rejects.toMatchObject({ code: 'CONFLICT' });

    expect(await tasks.retry(alice, link.task_id)).toEqual({ task_id: link.task_id, status: 'queued' });
    expect(await waitForTerminal(harness.system, alice, last.task_id)).toBe('completed');
    expect((await tasks.get(alice, link.task_id)).result).toEqual({ attempt: 2 });
    expect((await tasks.get(alice, next.task_id)).result).toMatchObject({
      dependencies: { [link.task_id]: { attempt: 2 } },
    });
    // Its whole history (the event stream ends at the first terminal event, so read the table).
    const history = rowsOf<{ status: string }>(
      await harness.system.context.db.execute(
        sql`select payload->>'status' as status from task_events
            where task_id = ${last.task_id} and type = 'status' order by seq`,
      ),
    ).map((row) => row.status);
    expect(history).toEqual(['blocked', 'failed', 'blocked', 'queued', 'running', 'completed']);
  });

  it('cancelling a dependency fails its dependents', async () => {
    const { tasks } = harness.system;
    const slow = await tasks.submit(alice, {
      workflow: 'analyze',
      params: { wait_ms: 30_000 },
      priority: 'normal',
    });
    const dependent = await tasks.submit(alice, {
      workflow: 'report',
      params: {},
      priority: 'normal',
      depends_on: [slow.task_id],
    });
    await waitForStatus(harness.system, alice, slow.task_id, ['running']);
    await tasks.cancel(alice, slow.task_id);
    const view = await tasks.get(alice, dependent.task_id);
    expect(view.status).toBe('failed');
    expect(view.error).toMatchObject({ code: 'DEPENDENCY_FAILED' });
    expect(view.error?.message).toContain('cancelled');
  });

  it('a task with several dependencies runs once, after the last of them', async () => {
    const { tasks } = harness.system;
    const parts = await tasks.submitMany(
      alice,
      ['one two', 'three four five', 'six'].map((text) => ({
        workflow: 'preprocess',
        params: { text },
        priority: 'normal' as const,
      })),
    );
    const ids = parts.tasks.map((task) => task.task_id);
    const joined = await tasks.submit(alice, {
      workflow: 'analyze',
      params: {},
      priority: 'normal',
      depends_on: ids,
    });
    expect(await waitForTerminal(harness.system, alice, joined.task_id)).toBe('completed');
    const view = await tasks.get(alice, joined.task_id);
    expect(view.result).toMatchObject({ words: 6, unique: 6 });
    expect([...((view.result as { inputs: string[] }).inputs ?? [])].sort()).toEqual([...ids].sort());
    expect(view.attempt).toBe(1);
  });

  it('dependencies must exist and be visible to the caller', async () => {
    const { tasks } = harness.system;
    const mine = await tasks.submit(alice, {
      workflow: 'preprocess',
      params: { text: 'x' },
      priority: 'normal',
    });
    await expect(
      tasks.submit(bob, { workflow: 'report', params: {}, priority: 'normal', depends_on: [mine.task_id] }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND', issues: [{ path: 'depends_on' }] });
    await expect(
      tasks.submit(alice, {
        workflow: 'report',
        params: {},
        priority: 'normal',
        depends_on: ['6f1f4c38-8a6f-4a1b-9c1e-2b7d3f4e5a60'],
      }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('delayed tasks (run_at)', () => {
  it('waits as scheduled until run_at, then runs', async () => {
    const { tasks } = harness.system;
    const runAt = new Date(Date.now() + 1500).toISOString();
    const submitted = await tasks.submit(alice, {
      workflow: 'preprocess',
      params: { text: 'later' },
      priority: 'normal',
      run_at: runAt,
    });
    expect(submitted.status).toBe('scheduled');
    expect((await tasks.get(alice, submitted.task_id)).run_at).toBe(runAt);
    // A list says when too.
    const listed = await tasks.list(alice, { status: 'scheduled', limit: 50 });
    expect(listed.items.find((item) => item.task_id === submitted.task_id)?.run_at).toBe(runAt);
    expect(await waitForTerminal(harness.system, alice, submitted.task_id)).toBe('completed');
    const view = await tasks.get(alice, submitted.task_id);
    expect(Date.parse(view.started_at ?? '')).toBeGreaterThanOrEqual(Date.parse(runAt));
    expect(await statuses(submitted.task_id)).toEqual(['scheduled', 'running', 'completed']);
  });
});
