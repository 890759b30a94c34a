import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../src/db.ts';
import { startTestSystem, type TestSystem } from './harness.ts';

// No worker: tasks stay queued or scheduled.
const LIMIT = 400;
let harness: TestSystem;

beforeAll(async () => {
  harness = await startTestSystem({ maxQueueSize: LIMIT });
});
afterAll(async () => {
  await harness?.[Symbol.asyncDispose]();
});

async function stored(owner: string) {
  return rowsOf<{ id: string; status: string; params: { n: number }; job_state: string | null }>(
    await harness.system.context.db.execute(sql`
      select t.id, t.status, t.params, j.state::text as job_state
      from tasks t left join pgboss.job j on j.id = t.job_id
      where t.owner = ${owner} order by t.created_at, t.id`),
  );
}

describe('concurrent plain submits of one owner', () => {
  it('each get their own tasks back, stored with their jobs, scheduled and queued ones alike', async () => {
    const { system } = harness;
    const frank = { owner: 'frank', admin: false };
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const submitted = await Promise.all(
      Array.from({ length: 40 }, (_, n) =>
        n % 4 === 3
          ? system.tasks
              .submitMany(frank, [
                { workflow: 'steps', params: { steps: n + 1 }, priority: 'normal' },
                { workflow: 'steps', params: { steps: n + 51 }, priority: 'normal', run_at: later },
              ])
              .then((many) => many.tasks)
          : system.tasks
              .submit(frank, {
                workflow: 'steps',
                params: { steps: n + 1 },
                priority: 'normal',
                ...(n % 2 === 1 ? { run_at: later } : {}),
              })
              .then((one) => [one]),
      ),
    );
    const ids = submitted.flat().map((task) => task.task_id);
    expect(new Set(ids).size).toBe(50);
    // Every answer is its own submit's: the task it names carries that submit's params and status.
    for (const [n, tasks] of submitted.entries()) {
      for (const [k, task] of tasks.entries()) {
        const view = await system.tasks.get(frank, task.task_id);
        const steps = k === 0 ? n + 1 : n + 51;
        const scheduled = (n % 4 === 3 && k === 1) || (n % 4 !== 3 && n % 2 === 1);
        expect(view).toMatchObject({ params: { steps }, status: task.status });
        expect(task.status).toBe(scheduled ? 'scheduled' : 'queued');
      }
    }
    const rows = await stored('frank');
    expect(rows).toHaveLength(50);
    expect(rows.every((row) => row.job_state === 'created')).toBe(true);
  });

  it('stop exactly at max_queue_size', async () => {
    const { system } = harness;
    const gina = { owner: 'gina', admin: false };
    const one = { workflow: 'steps', params: {}, priority: 'normal' as const };
    await system.tasks.submitMany(
      gina,
      Array.from({ length: 300 }, () => one),
    );
    const outcomes = await Promise.allSettled(
      Array.from({ length: 150 }, () => system.tasks.submit(gina, one)),
    );
    const accepted = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    const refused = outcomes.filter(
      (outcome) =>
        outcome.status === 'rejected' && (outcome.reason as { code?: string }).code === 'QUEUE_FULL',
    );
    expect(accepted).toHaveLength(100);
    expect(refused).toHaveLength(50);
    expect(await stored('gina')).toHaveLength(LIMIT);
  });
});
