import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { rowsOf } from '../src/db.ts';
import { captureFetchStatement } from '../src/queue/fetch-statement.ts';
import { workflowQueue } from '../src/queue/names.ts';
import { fetchAndClaim } from '../src/worker/fetch-and-claim.ts';
import { alice, startTestSystem } from './harness.ts';

it('fetches at most the wanted jobs and claims their tasks; a task that may no longer run is fetched, not claimed', async () => {
  await using harness = await startTestSystem();
  const { system } = harness;
  const { db, boss } = system.context;
  const submitted: string[] = [];
  for (let i = 0; i < 5; i++) {
    const { task_id } = await system.tasks.submit(alice, {
      workflow: 'steps',
      params: { steps: 1, step_ms: 0 },
      priority: 'normal',
    });
    submitted.push(task_id);
  }
  // A cancel that committed while its job was still waiting (the job is cancelled after the commit).
  const cancelled = submitted[0] ?? '';
  await db.execute(sql`update tasks set status = 'cancelled', completed_at = now() where id = ${cancelled}`);

  const queue = workflowQueue('steps');
  const statement = await captureFetchStatement(boss, queue);
  // The installed pg-boss words its fetch as expected: its UPDATE reads the selected jobs by key.
  expect(statement.text).toContain('j.id = ANY(ARRAY(SELECT id FROM next))');
  const first = await fetchAndClaim(db, queue, statement, 3);
  const second = await fetchAndClaim(db, queue, statement, 10);
  const third = await fetchAndClaim(db, queue, statement, 10);

  expect([first.jobs.length, second.jobs.length, third.jobs.length]).toEqual([3, 2, 0]);
  const fetched = [...first.jobs, ...second.jobs].map((job) => job.taskId);
  expect([...fetched].sort()).toEqual([...submitted].sort());
  const claimed = [...first.claims, ...second.claims];
  expect(claimed.map((claim) => claim.taskId).sort()).toEqual(submitted.slice(1).sort());
  for (const claim of claimed) {
    expect(claim).toMatchObject({ workflow: 'steps', owner: 'alice', attempt: 1 });
    expect(claim.job.retryCount).toBe(0);
  }

  const rows = rowsOf<{ id: string; status: string; events: string[] }>(
    await db.execute(sql`
      select t.id, t.status,
        coalesce((select array_agg(e.payload->>'status' order by e.seq) from task_events e where e.task_id = t.id), '{}') as events
      from tasks t where t.owner = 'alice'`),
  );
  for (const row of rows) {
    if (row.id === cancelled) expect(row).toMatchObject({ status: 'cancelled', events: ['queued'] });
    else expect(row).toMatchObject({ status: 'running', events: ['queued', 'running'] });
  }
});
