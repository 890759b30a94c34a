import postgres from 'postgres';
import { expect, it } from 'vitest';
import { admin, alice, startTestSystem, waitFor } from './harness.ts';

it("a bulk cancel passes over queued tasks a worker is claiming, so 'none cancelled' means none left", async () => {
  await using harness = await startTestSystem();
  const { system, database } = harness;
  // No worker runs: what is queued stays queued until cancelled or claimed.
  const { tasks } = await system.tasks.submitMany(
    alice,
    Array.from({ length: 5 }, () => ({ workflow: 'steps', params: { steps: 1, step_ms: 1 } })),
  );
  // One submit: one created_at, so the oldest are the first by id.
  const ids = tasks.map((task) => task.task_id).sort();
  const claimed = ids.slice(0, 3);
  const sql = postgres(database.url, { max: 2 });
  try {
    // Another session takes the three oldest, as a worker's claim does, and has not committed yet.
    const claim = await sql.reserve();
    await claim`begin`;
    await claim`update tasks set status = 'running', started_at = now() where id = any(${claimed}::uuid[])`;
    // A batch of three: as many as the claim holds.
    const cancelling = system.tasks.cancelQueued(admin, { workflow: 'steps', limit: 3 });
    // The claim commits once the cancel has answered or waits for its rows.
    await Promise.race([
      cancelling,
      waitFor(async () => {
        const [row] = await sql`
          select count(*)::int as waiting from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock'`;
        return (row?.waiting ?? 0) > 0;
      }, 'the cancel to wait for the claimed rows'),
    ]);
    await claim`commit`;
    claim.release();
    expect((await cancelling).cancelled).toBe(2);
  } finally {
    await sql.end();
  }
  for (const id of ids) {
    expect((await system.tasks.get(alice, id)).status).toBe(claimed.includes(id) ? 'running' : 'cancelled');
  }
  expect((await system.tasks.cancelQueued(admin, { workflow: 'steps' })).cancelled).toBe(0);
});
