import { expect, it } from 'vitest';
import { alice, startTestSystem } from './harness.ts';

// No worker: a delayed task stays scheduled, which is what a user sees until its time comes.
it('delay_seconds makes the task scheduled until that many seconds after the submit', async () => {
  await using harness = await startTestSystem();
  const { tasks } = harness.system;
  const before = Date.now();
  const submitted = await tasks.submit(alice, { workflow: 'steps', params: {}, delay_seconds: 3600 });
  const after = Date.now();
  expect(submitted.status).toBe('scheduled');
  const runAt = Date.parse((await tasks.get(alice, submitted.task_id)).run_at ?? '');
  expect(runAt).toBeGreaterThanOrEqual(before + 3_600_000 - 1);
  expect(runAt).toBeLessThanOrEqual(after + 3_600_000 + 1);

  const now = await tasks.submit(alice, { workflow: 'steps', params: {}, delay_seconds: 0 });
  expect(now.status).toBe('queued');
});

it('run_at and delay_seconds together are a 400 naming delay_seconds, in a batch too', async () => {
  await using harness = await startTestSystem();
  const { tasks } = harness.system;
  const both = { workflow: 'steps', params: {}, run_at: '2099-01-01T00:00:00Z', delay_seconds: 60 };
  await expect(tasks.submit(alice, both)).rejects.toMatchObject({
    code: 'BAD_REQUEST',
    issues: [{ path: 'delay_seconds', message: expect.stringContaining('not both') }],
  });
  await expect(tasks.submitMany(alice, [{ workflow: 'steps', params: {} }, both])).rejects.toMatchObject({
    code: 'BAD_REQUEST',
    issues: [{ path: 'tasks.1.delay_seconds' }],
  });
  expect((await tasks.list(alice, { limit: 10 })).items).toHaveLength(0);
});
