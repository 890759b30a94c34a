import { describe, expect, it } from 'vitest';
import { alice, queueOf, startTestSystem, useSystemWithWorker, waitFor, waitForStatus } from './harness.ts';

const harness = useSystemWithWorker({ concurrency: 2, pollIntervalMs: 200 });

const cursorOf = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
const ID = '0190f1a2-0000-7000-8000-000000000000';

describe('submit options and finished views', () => {
  it("a task whose submit and workflow give no timeout gets the system's (TASK_TIMEOUT)", async () => {
    await using small = await startTestSystem({ defaultTimeoutSeconds: 7 });
    const { tasks } = small.system;
    const timeoutOf = async (input: { workflow: string; timeout_seconds?: number }) => {
      const { task_id } = await tasks.submit(alice, { params: {}, ...input });
      return (await tasks.get(alice, task_id)).timeout_seconds;
    };
    expect(await timeoutOf({ workflow: 'untimed' })).toBe(7);
    expect(await timeoutOf({ workflow: 'untimed', timeout_seconds: 30 })).toBe(30);
    // The workflow's own default comes before the system's.
    expect(await timeoutOf({ workflow: 'steps' })).toBe(60);
  });

  it("retry_delay on submit sets when the failed attempt's retry may start", async () => {
    const { system } = harness;
    const before = Date.now();
    // The workflow's own delay is 1 s; the submit asks for 10 minutes.
    const { task_id } = await system.tasks.submit(alice, {
      workflow: 'retrying',
      params: { steps: 1, step_ms: 0, fail_attempts: 5 },
      max_retries: 1,
      retry_delay: 600,
    });
    const job = await waitFor(async () => {
      const task = await system.tasks.get(alice, task_id);
      if (task.attempt < 1 || task.status !== 'queued') return undefined;
      const found = await system.context.queue.findJob(queueOf('retrying'), task_id);
      return found?.state === 'retry' ? found : undefined;
    }, 'the first attempt to fail and wait for its retry');
    expect(job.startAfter.getTime()).toBeGreaterThan(before + 500_000);
  });

  it('a cancelled task shows no time left, in its row and its progress view', async () => {
    const { system } = harness;
    const { task_id } = await system.tasks.submit(alice, {
      workflow: 'steps',
      params: { steps: 4, step_ms: 1500 },
    });
    await waitFor(async () => {
      const task = await system.tasks.get(alice, task_id);
      return task.status === 'running' && (task.eta_seconds ?? 0) > 0;
    }, 'the running task to report an eta');
    await system.tasks.cancel(alice, task_id);
    await waitForStatus(system, alice, task_id, ['cancelled']);
    expect((await system.tasks.get(alice, task_id)).eta_seconds).toBeNull();
    expect((await system.tasks.progress(alice, task_id)).eta_seconds).toBeNull();
    const [listed] = (await system.tasks.list(alice, { limit: 1 })).items;
    expect(listed).toMatchObject({ task_id, eta_seconds: null });
  });

  it.each([
    ['a date that does not exist', `2024-02-30T00:00:00.000000Z|${ID}`],
    ['a bare number', `1|${ID}`],
    ['a date in words', `June 5 2024|${ID}`],
    ['no id', '2024-02-01T00:00:00.000000Z|'],
  ])('refuses a crafted list cursor (%s) with BAD_REQUEST', async (_what, text) => {
    await expect(
      harness.system.tasks.list(alice, { cursor: cursorOf(text), limit: 10 }),
    ).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
  });
});
