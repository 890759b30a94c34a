import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { rowsOf } from '../src/db.ts';
import { claimJobs } from '../src/store/claim.ts';
import { alice, queueOf, startTestSystem } from './harness.ts';

it('claims at most the wanted jobs; a task that may no longer run is settled, not claimed', async () => {
  await using harness = await startTestSystem();
  const { system } = harness;
  const { db, queue } = system.context;
  // No worker row: nothing here beats, and nothing takes these tasks back.
  const workerId = randomUUID();
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

  const claim = (want: number) =>
    db.transaction((tx) => claimJobs(tx, queue, workerId, queueOf('steps'), want));
  const first = await claim(3);
  const second = await claim(10);
  const third = await claim(10);

  expect([first.jobs.length, second.jobs.length, third.jobs.length]).toEqual([3, 2, 0]);
  const fetched = [...first.jobs, ...second.jobs].map((job) => job.taskId);
  expect([...fetched].sort()).toEqual([...submitted].sort());
  const attempts = [...first.attempts, ...second.attempts];
  expect(attempts.map((attempt) => attempt.taskId).sort()).toEqual(submitted.slice(1).sort());
  for (const attempt of attempts) {
    expect(attempt).toMatchObject({ workflow: 'steps', owner: 'alice', attempt: 1 });
    expect(attempt.job.retryCount).toBe(0);
    expect(Object.isFrozen(attempt)).toBe(true);
  }
  // The unclaimed job was settled in the claim's transaction.
  expect((await queue.findJob(queueOf('steps'), cancelled))?.state).toBe('completed');

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

it('a claim that rolls back leaves both the jobs and the tasks as they were', async () => {
  await using harness = await startTestSystem();
  const { system } = harness;
  const { db, queue } = system.context;
  // No worker row: nothing here beats, and nothing takes these tasks back.
  const workerId = randomUUID();
  const { task_id } = await system.tasks.submit(alice, { workflow: 'steps', params: {}, priority: 'normal' });
  await expect(
    db.transaction(async (tx) => {
      const { attempts } = await claimJobs(tx, queue, workerId, queueOf('steps'), 5);
      expect(attempts).toHaveLength(1);
      throw new Error('roll back');
    }),
  ).rejects.toThrow('roll back');
  expect((await system.tasks.get(alice, task_id)).status).toBe('queued');
  expect((await queue.findJob(queueOf('steps'), task_id))?.state).toBe('created');
  const again = await db.transaction((tx) => claimJobs(tx, queue, workerId, queueOf('steps'), 5));
  expect(again.attempts.map((attempt) => attempt.taskId)).toEqual([task_id]);
});
