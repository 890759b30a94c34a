import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { rowsOf } from '../src/db.ts';
import { alice, mostAtOnce, readRecords, startTestSystem, WORKFLOWS_MODULE, waitFor } from './harness.ts';

// 48 free slots are fetched by two statements at once (see dispatcher.ts); the tasks still run once each,
// and never more at a time than the worker has slots.
it('a worker with many slots runs every queued task exactly once, never more at a time than its slots', async () => {
  await using harness = await startTestSystem({ maxQueueSize: 1000, maxBatchSize: 1000 });
  const { system } = harness;
  const record = join(mkdtempSync(join(tmpdir(), 'kg-wide-')), 'wide.jsonl');
  const { tasks } = await system.tasks.submitMany(
    alice,
    Array.from({ length: 240 }, () => ({
      workflow: 'steps_inline',
      params: { steps: 1, step_ms: 30, record_file: record },
      priority: 'normal' as const,
    })),
  );
  await system.startWorker({ concurrency: 48, workflowsModule: WORKFLOWS_MODULE });

  const completed = async () =>
    rowsOf<{ n: number }>(
      await system.context.db.execute(
        sql`select count(*)::int as n from tasks where owner = 'alice' and status = 'completed'`,
      ),
    )[0]?.n ?? 0;
  await waitFor(async () => (await completed()) === tasks.length, 'every task to complete');

  const runs = rowsOf<{ id: string; attempt: number; running: number }>(
    await system.context.db.execute(sql`
      select t.id, t.attempt,
        (select count(*)::int from task_events e
          where e.task_id = t.id and e.type = 'status' and e.payload->>'status' = 'running') as running
      from tasks t where t.owner = 'alice'`),
  );
  expect(runs).toHaveLength(tasks.length);
  for (const run of runs) expect(run).toMatchObject({ attempt: 1, running: 1 });

  const records = readRecords(record);
  expect(records.filter((line) => line.phase === 'start')).toHaveLength(tasks.length);
  const most = mostAtOnce(records);
  expect(most).toBeLessThanOrEqual(48);
  // The worker did run many at once (the slots were used, not one fetch at a time).
  expect(most).toBeGreaterThan(1);
});
