import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterEach, describe, expect, it } from 'vitest';
import { requestJson } from '../src/http.ts';
import { logSummary } from '../src/log-summary.ts';
import { type PrivatePostgres, startPrivatePostgres } from '../src/private-postgres.ts';
import { Processes } from '../src/processes.ts';
import { readStarts } from '../src/records.ts';
import { describeRuns, readTaskRuns } from '../src/task-runs.ts';
import { waitFor } from '../src/wait.ts';

/**
 * Issue 16 item 10: a short PostgreSQL outage must not cost a live worker its tasks. Tasks run on a worker
 * that stays up while its (private) PostgreSQL is stopped and started again on the same port and data:
 * each task, with no retries or with some, ends completed in its first attempt, and each of its steps
 * started exactly once (the `recorded` workflow writes a line per step start, outside the database).
 */
const processes = new Processes();
let database: PrivatePostgres | undefined;

afterEach(async () => {
  await processes.killAll();
  await database?.[Symbol.asyncDispose]();
  database = undefined;
});

const TASKS = 8;
const STEPS = 12;

interface Outage {
  outageSeconds: number;
  /** Long enough that every task is still running when the database comes back. */
  stepMs: number;
}

describe('a PostgreSQL outage under running tasks', () => {
  it.each<Outage>([
    { outageSeconds: 10, stepMs: 2_000 },
    { outageSeconds: 60, stepMs: 7_000 },
  ])(
    'a $outageSeconds s outage: every running task completes in its first attempt, each step ran once',
    async ({ outageSeconds, stepMs }) => {
      const record = join(mkdtempSync(join(tmpdir(), 'kg-e2e-outage-')), 'steps.jsonl');
      database = await startPrivatePostgres('kg-e2e-outage-pg');
      const databaseUrl = database.url;
      const api = await processes.startApi({ databaseUrl });
      const worker = await processes.startWorker({ databaseUrl, env: { MAX_WORKERS: String(TASKS) } });

      // Half may not retry at all, half may: neither kind may lose its attempt to the outage.
      const ids: string[] = [];
      for (let i = 0; i < TASKS; i++) {
        const { status, body } = await requestJson<{ task_id: string }>(`${api.url}/tasks`, {
          body: {
            workflow: 'recorded',
            params: { steps: STEPS, step_ms: stepMs, record_file: record },
            max_retries: i < TASKS / 2 ? 0 : 2,
          },
        });
        expect(status).toBe(202);
        ids.push(body.task_id);
      }
      // Every task is running and has checkpointed a step before the database goes away.
      await waitFor(
        () => ids.every((id) => readStarts(record, id).length >= 2),
        'every task to start its second step',
        { timeoutMs: 60_000, intervalMs: 100 },
      );

      await database.stop();
      await new Promise((resolve) => setTimeout(resolve, outageSeconds * 1000));
      await database.start();
      // The outage ended no process (a crash here would hide behind the wait below).
      expect(worker.child.exitCode, `worker:\n${logSummary(worker.output())}`).toBeNull();
      expect(api.child.exitCode, `api:\n${logSummary(api.output())}`).toBeNull();
      const stillRunning = ids.filter((id) => readStarts(record, id).length < STEPS);
      expect(stillRunning).toEqual(ids);

      const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
      try {
        await waitFor(
          async () => {
            const [row] = await sql<{ n: number }[]>`
              select count(*)::int as n from tasks
              where id = any(string_to_array(${ids.join(',')}, ',')::uuid[])
                and status in ('completed', 'failed', 'cancelled')`;
            return row?.n === ids.length;
          },
          'every task to finish',
          { timeoutMs: STEPS * stepMs + 90_000, intervalMs: 500 },
        ).catch(async (error: unknown) => {
          throw new Error(
            `${String(error)}\n${describeRuns(await readTaskRuns(sql, ids))}\n` +
              `worker (exit ${worker.child.exitCode}):\n${logSummary(worker.output())}`,
          );
        });
        const runs = await readTaskRuns(sql, ids);
        const context = `${describeRuns(runs)}\nworker:\n${logSummary(worker.output())}`;
        // Completed, in attempt 1, and it went running once: queued -> running -> completed.
        expect(
          runs.map((run) => ({
            id: run.id,
            status: run.status,
            attempt: run.attempt,
            statuses: run.statuses,
          })),
          context,
        ).toEqual(
          [...ids].sort().map((id) => ({
            id,
            status: 'completed',
            attempt: 1,
            statuses: ['queued', 'running', 'completed'],
          })),
        );
        const steps = Array.from({ length: STEPS }, (_, i) => `step_${i + 1}`);
        for (const run of runs) expect(run.result).toEqual({ ran: steps });
        // No step ran twice, and every one ran in attempt 1 on the one worker process.
        for (const id of ids) {
          expect(readStarts(record, id)).toEqual(
            steps.map((node) => ({ task_id: id, node, attempt: 1, pid: worker.pid })),
          );
        }
      } finally {
        await sql.end({ timeout: 5 });
      }
      // Nobody restarted the services.
      expect(api.child.exitCode).toBeNull();
      expect(worker.child.exitCode).toBeNull();
    },
    300_000,
  );
});
