import { expect, it } from 'vitest';
import { fireDueSchedules } from '../src/orchestration/schedule-firing.ts';
import { catalog as keyedCatalog } from './fixtures/keyed-workflows.ts';
import { alice, startTestSystem } from './harness.ts';

const QUICK = { steps: 1, step_ms: 0 };

it("a schedule's concurrency_key is on every task it fires, and shows on the schedule", async () => {
  await using harness = await startTestSystem({ catalog: keyedCatalog });
  const { system } = harness;
  const { schedules } = system.orchestration;
  const created = await schedules.create(alice, {
    name: 'nightly per account',
    cron: '0 0 1 1 *',
    workflow: 'keyed',
    params: QUICK,
    concurrency_key: 'acct-1',
  });
  expect(created.concurrency_key).toBe('acct-1');
  // Judged at next New Year, 30 s in: the occurrence is due once.
  const at = new Date(Date.UTC(new Date().getUTCFullYear() + 1, 0, 1, 0, 0, 30));
  expect(await fireDueSchedules(system.context, system.context.logger, { at })).toMatchObject({ fired: 1 });
  const [fired] = (await system.tasks.list(alice, { schedule_id: created.schedule_id, limit: 10 })).items;
  expect(fired?.concurrency_key).toBe('acct-1');

  const cleared = await schedules.update(alice, { schedule_id: created.schedule_id, concurrency_key: null });
  expect(cleared.concurrency_key).toBeNull();
});

it('a concurrency_key for a workflow without concurrency_per_key is the 400 a submit gets', async () => {
  await using harness = await startTestSystem({ catalog: keyedCatalog });
  const { schedules } = harness.system.orchestration;
  const input = { name: 'unlimited', cron: '0 9 * * *', workflow: 'steps_inline', params: QUICK };
  await expect(schedules.create(alice, { ...input, concurrency_key: 'acct-1' })).rejects.toMatchObject({
    code: 'BAD_REQUEST',
    message: expect.stringContaining('declares no concurrency_per_key'),
    issues: [{ path: 'concurrency_key' }],
  });
  const plain = await schedules.create(alice, input);
  await expect(
    schedules.update(alice, { schedule_id: plain.schedule_id, concurrency_key: 'acct-1' }),
  ).rejects.toMatchObject({ code: 'BAD_REQUEST', issues: [{ path: 'concurrency_key' }] });
  expect((await schedules.get(alice, plain.schedule_id)).concurrency_key).toBeNull();
});

it('a schedule whose workflow dropped its per-key limit shows why its occurrences create no task, until the operator fixes it', async () => {
  await using harness = await startTestSystem({ catalog: keyedCatalog });
  const { system } = harness;
  const { schedules } = system.orchestration;
  const created = await schedules.create(alice, {
    name: 'hourly per account',
    cron: '0 * * * *',
    workflow: 'keyed',
    params: QUICK,
    concurrency_key: 'acct-1',
  });
  // A release of `keyed` that no longer limits per key: a submit with a key is refused (400).
  const keyed = keyedCatalog.get('keyed');
  if (!keyed) throw new Error('no keyed workflow');
  const unlimited = {
    ...keyed,
    version: 'unlimited',
    defaults: { ...keyed.defaults, concurrency_per_key: null },
  };
  await system.publishWorkflows({ get: () => unlimited, list: () => [unlimited] });

  const hour = (h: number) => new Date(Date.UTC(new Date().getUTCFullYear() + 1, 0, 1, h, 0, 30));
  expect(await fireDueSchedules(system.context, system.context.logger, { at: hour(1) })).toEqual({
    fired: 0,
    skipped: 1,
  });
  expect(await schedules.get(alice, created.schedule_id)).toMatchObject({
    last_run_at: null,
    last_error: {
      occurrence_at: new Date(Date.UTC(hour(1).getUTCFullYear(), 0, 1, 1)).toISOString(),
      skipped_at: hour(1).toISOString(),
      code: 'BAD_REQUEST',
      message: expect.stringContaining('declares no concurrency_per_key'),
    },
  });
  // Listed so too.
  const [listed] = (await schedules.list(alice, { limit: 10 })).items;
  expect(listed?.last_error?.code).toBe('BAD_REQUEST');

  // A new name fixes nothing: the error stays.
  const renamed = await schedules.update(alice, { schedule_id: created.schedule_id, name: 'hourly' });
  expect(renamed.last_error?.code).toBe('BAD_REQUEST');
  // The operator drops the key: the error goes at once (not at the next occurrence, a day later for a
  // daily schedule), and the next occurrence fires.
  const fixed = await schedules.update(alice, { schedule_id: created.schedule_id, concurrency_key: null });
  expect(fixed.last_error).toBeNull();
  expect((await schedules.get(alice, created.schedule_id)).last_error).toBeNull();
  expect(await fireDueSchedules(system.context, system.context.logger, { at: hour(2) })).toEqual({
    fired: 1,
    skipped: 0,
  });
  expect(await schedules.get(alice, created.schedule_id)).toMatchObject({
    last_run_at: hour(2).toISOString(),
    last_error: null,
  });
});
