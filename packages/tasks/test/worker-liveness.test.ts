import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@kaygraph/db';
import { createTestDatabase } from '@kaygraph/db/testing';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { rowsOf } from '../src/db.ts';
import { claimJobs } from '../src/store/claim.ts';
import { databaseNow } from '../src/store/clock.ts';
import { lockDeadWorkers, registerWorker } from '../src/store/workers.ts';
import { createTaskSystem, type TaskSystem } from '../src/system.ts';
import { WORKFLOWS_MODULE } from './fixtures/workflows.ts';
import { alice, queueOf, readRecords, startTestSystem, waitFor, waitForTerminal } from './harness.ts';
import { door } from './tcp-door.ts';

/** A short lease keeps these tests quick; the defaults (6 s) are the same code. */
const tuning = { workerLeaseSeconds: 2 };

async function statusesOf(system: TaskSystem, taskId: string): Promise<string[]> {
  const rows = rowsOf<{ status: string }>(
    await system.context.db.execute(sql`
      select payload->>'status' as status from task_events
      where task_id = ${taskId} and type = 'status' order by seq`),
  );
  return rows.map((row) => row.status);
}

describe('worker liveness', () => {
  it('a worker silent past its lease loses its tasks: retried while retries remain, else WORKER_LOST', async () => {
    await using harness = await startTestSystem({ tuning });
    const { system } = harness;
    const { db, queue } = system.context;
    const submit = async (maxRetries: number) =>
      (
        await system.tasks.submit(alice, {
          workflow: 'steps',
          params: { steps: 1, step_ms: 0 },
          priority: 'normal',
          max_retries: maxRetries,
        })
      ).task_id;
    const retried = await submit(1);
    const lost = await submit(0);
    // A worker that registers, claims both tasks and is never heard from again (as after a SIGKILL).
    const silent = await registerWorker(db, { host: 'gone', pid: 1 });
    const { attempts } = await db.transaction((tx) => claimJobs(tx, queue, silent.id, queueOf('steps'), 10));
    expect(attempts.map((attempt) => attempt.taskId).sort()).toEqual([retried, lost].sort());

    // The liveness monitor of this process takes them back once the lease has passed.
    expect(await waitForTerminal(system, alice, lost)).toBe('failed');
    expect((await system.tasks.get(alice, lost)).error).toMatchObject({ code: 'WORKER_LOST', attempt: 1 });
    expect(await queue.deadLetterTaskIds()).toContain(lost);

    const requeued = await system.tasks.get(alice, retried);
    expect(requeued).toMatchObject({ status: 'queued', attempt: 1, error: { code: 'WORKER_LOST' } });
    expect((await queue.findJob(queueOf('steps'), retried))?.state).toBe('retry');
    // A worker runs the retry to completion.
    await system.startWorker({ concurrency: 1, workflowsModule: WORKFLOWS_MODULE });
    expect(await waitForTerminal(system, alice, retried)).toBe('completed');
    expect(await statusesOf(system, retried)).toEqual([
      'queued',
      'running',
      'queued',
      'running',
      'completed',
    ]);
  });

  it('a live worker keeps its task through a database outage longer than the lease', async () => {
    await using database = await createTestDatabase();
    const gate = await door(database.url);
    const record = join(mkdtempSync(join(tmpdir(), 'kg-liveness-')), 'steps.jsonl');
    // Worker and liveness monitor reach the database through the door: both lose it together.
    const system = await createTaskSystem({
      databaseUrl: gate.url,
      logger: pino({ level: 'silent' }),
      migrate: false,
      tuning,
    });
    try {
      await system.startWorker({ concurrency: 1, workflowsModule: WORKFLOWS_MODULE });
      const { task_id } = await system.tasks.submit(alice, {
        workflow: 'steps',
        params: { steps: 6, step_ms: 1000, record_file: record },
        priority: 'normal',
        max_retries: 0,
      });
      await waitFor(() => readRecords(record).some((r) => r.node === 'step_2'), 'step_2 to start');
      await gate.shut();
      // Three leases without the database, while the steps go on.
      await new Promise((resolve) => setTimeout(resolve, 3 * tuning.workerLeaseSeconds * 1000));
      await gate.open();

      expect(await waitForTerminal(system, alice, task_id)).toBe('completed');
      expect(await system.tasks.get(alice, task_id)).toMatchObject({ status: 'completed', attempt: 1 });
      expect(await statusesOf(system, task_id)).toEqual(['queued', 'running', 'completed']);
      const starts = readRecords(record).filter((r) => r.phase === 'start');
      expect(starts.map((r) => `${r.node}@${r.attempt}`)).toEqual(
        ['step_1', 'step_2', 'step_3', 'step_4', 'step_5', 'step_6'].map((node) => `${node}@1`),
      );
    } finally {
      await system.close();
      await gate.close();
    }
  });

  it('silence is counted from the reconnect of the monitor that saw the outage, not from the last beat', async () => {
    await using database = await createTestDatabase();
    await using connection = connect(database.url, { max: 1 });
    const { db } = connection;
    const worker = await registerWorker(db, { host: 'quiet', pid: 2 });
    await db.execute(sql`update workers set last_seen_at = now() - interval '10 s' where id = ${worker.id}`);
    const reconnectedAt = await databaseNow(db);
    const dead = (healthySince: Date | null, alive: string[] = []) =>
      db.transaction((tx) => lockDeadWorkers(tx, 6, healthySince, alive));
    // Heard from 10 s ago: dead after a 6 s lease, unless the monitor itself got the database back since.
    expect(await dead(null)).toEqual([worker.id]);
    expect(await dead(reconnectedAt)).toEqual([]);
    // Nor does a monitor take a worker of its own process, which it knows is running.
    expect(await dead(null, [worker.id])).toEqual([]);
    // A worker that stopped is taken back at once.
    await db.execute(
      sql`update workers set last_seen_at = now(), stopped_at = now() where id = ${worker.id}`,
    );
    expect(await dead(reconnectedAt)).toEqual([worker.id]);
  });
});
