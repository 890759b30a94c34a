import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Caller } from '../src/caller.ts';
import { rowsOf } from '../src/db.ts';
import { fireDueSchedules } from '../src/orchestration/schedule-firing.ts';
import { catalog } from './fixtures/orchestration-workflows.ts';
import { startTestSystem, type TestSystem } from './harness.ts';

const SPAM = 1000;
const spammer: Caller = { owner: 'spammer', admin: false };
const other: Caller = { owner: 'other', admin: false };
const capped: Caller = { owner: 'capped', admin: false };

let harness: TestSystem;

beforeAll(async () => {
  // No worker: this file runs firing passes itself.
  harness = await startTestSystem({ catalog, maxQueueSize: 100, maxSchedulesPerOwner: SPAM });
});
afterAll(async () => {
  await harness?.[Symbol.asyncDispose]();
});

const everyMinute = (name: string) => ({ name, cron: '* * * * *', workflow: 'work', params: { item: 1 } });

describe('schedules: per-owner cap and fair firing', () => {
  it('caps schedules per owner exactly, also when creates race', async () => {
    const { schedules } = harness.system.orchestration;
    const creates = await Promise.allSettled(
      Array.from({ length: SPAM + 20 }, (_, n) => schedules.create(capped, everyMinute(`s${n}`))),
    );
    const refused = creates.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []));
    expect(creates.length - refused.length).toBe(SPAM);
    expect(refused).toHaveLength(20);
    expect(refused[0]).toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('MAX_SCHEDULES_PER_OWNER'),
    });
    await expect(schedules.create(other, everyMinute('elsewhere'))).resolves.toMatchObject({ enabled: true });
    const { context } = harness.system;
    await context.db.execute(sql`delete from schedules`);
  }, 120_000);

  it("fires another owner's schedule first, and one owner's 1,000 in a few statements within its queue", async () => {
    const { orchestration, context } = harness.system;
    for (let n = 0; n < SPAM; n++) await orchestration.schedules.create(spammer, everyMinute(`spam ${n}`));
    const mine = await orchestration.schedules.create(other, everyMinute('mine'));
    // One pass, judged a minute from now: every schedule has one occurrence due.
    const at = new Date(Date.now() + 61_000);
    const report = await fireDueSchedules(context, context.logger, { at });
    // The spammer's queue holds 100 unfinished tasks: the rest of its occurrences are skipped.
    expect(report).toEqual({ fired: 101, skipped: SPAM - 100 });
    const created = rowsOf<{ owner: string; schedule_id: string }>(
      await context.db.execute(sql`select owner, schedule_id from tasks order by created_at, id`),
    );
    expect(created[0]).toEqual({ owner: 'other', schedule_id: mine.schedule_id });
    expect(created.filter((row) => row.owner === 'spammer')).toHaveLength(100);
    // Every occurrence was handled (fired or skipped): a second pass of the same minute adds nothing.
    expect(await fireDueSchedules(context, context.logger, { at })).toEqual({ fired: 0, skipped: 0 });
  }, 120_000);
});
