import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StatusEvent, TaskEvent } from '@kaygraph/contracts';
import { describe, expect, it } from 'vitest';
import { alice, readRecords, useSystemWithWorker, waitFor, waitForTerminal } from './harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'kg-retries-'));

const harness = useSystemWithWorker({ concurrency: 2, pollIntervalMs: 200 });

async function statusEvents(taskId: string): Promise<StatusEvent[]> {
  const events: TaskEvent[] = [];
  for await (const event of harness.system.tasks.events(alice, taskId, {})) events.push(event);
  return events.filter((event): event is StatusEvent => event.type === 'status');
}

describe('retries', () => {
  it('retries with growing delays, then fails and dead-letters the job', async () => {
    const { system } = harness;
    const { task_id } = await system.tasks.submit(alice, {
      workflow: 'retrying',
      params: { steps: 1, step_ms: 0, fail_attempts: 10 },
      priority: 'normal',
    });
    expect(await waitForTerminal(system, alice, task_id)).toBe('failed');
    const task = await system.tasks.get(alice, task_id);
    expect(task.attempt).toBe(3);
    expect(task.error).toMatchObject({
      code: 'WORKFLOW_ERROR',
      message: 'attempt 3 fails at step 1',
      attempt: 3,
    });

    const statuses = await statusEvents(task_id);
    expect(statuses.map((e) => e.status)).toEqual([
      'queued',
      'running',
      'queued',
      'running',
      'queued',
      'running',
      'failed',
    ]);
    // A failed attempt goes back to `queued` with its error; the next attempt waits out the backoff.
    const retryWaits = [2, 4].map((i) => {
      const failedAt = Date.parse(statuses[i]?.at ?? '');
      const nextStart = Date.parse(statuses[i + 1]?.at ?? '');
      return nextStart - failedAt;
    });
    expect(statuses[2]?.error).toMatchObject({ code: 'WORKFLOW_ERROR', attempt: 1 });
    expect(retryWaits[0]).toBeGreaterThanOrEqual(1000);
    expect(retryWaits[1]).toBeGreaterThanOrEqual(2000);

    // Dead-lettered: listed by the service, and pg-boss holds the job in its dead-letter queue.
    const listed = await system.orchestration.deadLetters.list(alice, {});
    expect(listed.items.map((item) => item.task_id)).toContain(task_id);
    expect(await system.context.queue.deadLetterTaskIds()).toContain(task_id);
  });

  it('a task waiting out its backoff says when it runs again, in its view and its events', async () => {
    const { system } = harness;
    const { task_id } = await system.tasks.submit(alice, {
      workflow: 'retrying',
      params: { steps: 1, step_ms: 0, fail_attempts: 10 },
      retry_delay: 600,
    });
    const events: TaskEvent[] = [];
    for await (const event of system.tasks.events(alice, task_id, {})) {
      events.push(event);
      if (event.type === 'status' && event.status === 'queued' && event.attempt === 1) break;
    }
    const failedAt = Date.parse(events.at(-1)?.at ?? '');
    const task = await system.tasks.get(alice, task_id);
    expect(task).toMatchObject({ status: 'queued', attempt: 1, error: { attempt: 1 } });
    // The first retry waits 600 to 1,200 s: not "as soon as a worker is free" (run_at null).
    expect(Date.parse(task.run_at ?? '')).toBeGreaterThanOrEqual(failedAt + 600_000);
    const said = events.findLast((event) => event.type === 'log');
    expect(said).toMatchObject({
      message: `attempt 1 failed: runs again at ${task.run_at} (retries left after it: 1)`,
      data: { retry_at: task.run_at, retries_left: 1 },
    });
    await system.tasks.cancel(alice, task_id);
  });

  it('a task waiting out its backoff shows no ETA: nothing runs it until run_at', async () => {
    const { system } = harness;
    const { task_id } = await system.tasks.submit(alice, {
      workflow: 'retrying',
      params: { steps: 3, step_ms: 100, fail_attempts: 10 },
      retry_delay: 600,
    });
    const events: TaskEvent[] = [];
    for await (const event of system.tasks.events(alice, task_id, {})) {
      events.push(event);
      if (event.type === 'status' && event.status === 'queued' && event.attempt === 1) break;
    }
    // The failed attempt did give an ETA while it ran.
    expect(events.some((event) => event.type === 'progress' && event.eta_seconds !== null)).toBe(true);
    const task = await system.tasks.get(alice, task_id);
    expect(task).toMatchObject({ status: 'queued', attempt: 1, eta_seconds: null });
    expect(task.run_at).not.toBeNull();
    expect((await system.tasks.progress(alice, task_id)).eta_seconds).toBeNull();
    const listed = (await system.tasks.list(alice, { status: 'queued', limit: 50 })).items.find(
      (item) => item.task_id === task_id,
    );
    expect(listed).toMatchObject({ eta_seconds: null });
    await system.tasks.cancel(alice, task_id);
  });

  it('a task cancelled while it waits out its backoff and retried by hand runs at once, as its view says', async () => {
    const { system } = harness;
    const { task_id } = await system.tasks.submit(alice, {
      workflow: 'retrying',
      params: { steps: 1, step_ms: 0, fail_attempts: 1 },
      retry_delay: 600,
    });
    await waitFor(async () => (await system.tasks.get(alice, task_id)).error !== null, 'the first failure');
    await system.tasks.cancel(alice, task_id);
    expect(await system.tasks.retry(alice, task_id)).toEqual({ task_id, status: 'queued' });
    const retried = await system.tasks.get(alice, task_id);
    expect(Date.parse(retried.run_at ?? '')).toBeLessThanOrEqual(Date.now());
    expect(await waitForTerminal(system, alice, task_id)).toBe('completed');
  });

  it("a finished task shows no run_at: its last retry's time is over, as its submit's is", async () => {
    const { system } = harness;
    const { task_id } = await system.tasks.submit(alice, {
      workflow: 'retrying',
      params: { steps: 1, step_ms: 0, fail_attempts: 1 },
      retry_delay: 1,
    });
    expect(await waitForTerminal(system, alice, task_id)).toBe('completed');
    const finished = await system.tasks.get(alice, task_id);
    expect(finished).toMatchObject({ status: 'completed', attempt: 2, run_at: null });
    const listed = (await system.tasks.list(alice, { limit: 50 })).items.find(
      (item) => item.task_id === task_id,
    );
    expect(listed).toMatchObject({ status: 'completed', run_at: null });
  });

  it('a retry resumes after the last completed node and succeeds', async () => {
    const { system } = harness;
    const record = join(dir, 'resume.jsonl');
    const { task_id } = await system.tasks.submit(alice, {
      workflow: 'retrying',
      params: { steps: 3, step_ms: 0, fail_attempts: 2, record_file: record },
      priority: 'normal',
    });
    expect(await waitForTerminal(system, alice, task_id)).toBe('completed');
    const result = await system.tasks.result(alice, task_id);
    expect(result.result).toMatchObject({ ran: ['step_1', 'step_2', 'step_3'], attempt: 3 });
    const starts = readRecords(record).filter((r) => r.phase === 'start');
    expect(starts.map((r) => `${r.node}@${r.attempt}`)).toEqual([
      'step_1@1',
      'step_2@1',
      'step_3@1',
      'step_3@2',
      'step_3@3',
    ]);
  });

  it('max_retries on submit overrides the workflow default', async () => {
    const { system } = harness;
    const { task_id } = await system.tasks.submit(alice, {
      workflow: 'retrying',
      params: { steps: 1, step_ms: 0, fail_attempts: 10 },
      priority: 'normal',
      max_retries: 0,
    });
    expect(await waitForTerminal(system, alice, task_id)).toBe('failed');
    expect((await system.tasks.get(alice, task_id)).attempt).toBe(1);
  });

  it('retry() runs a failed task again', async () => {
    const { system } = harness;
    const { task_id } = await system.tasks.submit(alice, {
      workflow: 'steps',
      params: { steps: 2, step_ms: 0, fail_attempts: 1 },
      priority: 'normal',
    });
    expect(await waitForTerminal(system, alice, task_id)).toBe('failed');
    await expect(system.tasks.result(alice, task_id)).resolves.toMatchObject({ status: 'failed' });
    const failed = await system.tasks.get(alice, task_id);
    expect(await system.tasks.retry(alice, task_id)).toEqual({ task_id, status: 'queued' });
    expect(await waitForTerminal(system, alice, task_id)).toBe('completed');
    expect((await system.tasks.result(alice, task_id)).result).toMatchObject({
      ran: ['step_1', 'step_2'],
      attempt: 2,
    });
    // The run the retry began starts the clock: the time the task lay failed is not part of its duration.
    const retried = await system.tasks.get(alice, task_id);
    expect(Date.parse(retried.started_at ?? '')).toBeGreaterThanOrEqual(
      Date.parse(failed.completed_at ?? ''),
    );
    await expect(system.tasks.retry(alice, task_id)).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});
