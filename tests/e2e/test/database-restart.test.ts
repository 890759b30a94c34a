import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '@kaygraph/db';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { requestJson } from '../src/http.ts';
import { logSummary } from '../src/log-summary.ts';
import { freePort, Processes } from '../src/processes.ts';
import { readStarts } from '../src/records.ts';
import { waitFor } from '../src/wait.ts';

/**
 * PostgreSQL restarted under a running api and worker. This file starts a PostgreSQL of its own (temp
 * data dir, own port) so that the shared test server is never the one that goes down.
 */
const processes = new Processes();
const dataDir = mkdtempSync(join(tmpdir(), 'kg-e2e-pg-restart-'));
const record = join(mkdtempSync(join(tmpdir(), 'kg-e2e-pg-records-')), 'steps.jsonl');
let server: EmbeddedPostgres | undefined;

afterAll(async () => {
  await processes.killAll();
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const TASKS = 8;

const STEPS = 6;

describe('PostgreSQL restart mid-run', () => {
  it('api and worker reconnect by themselves, /ready reflects the outage, every task completes', async () => {
    const port = await freePort();
    server = await startEmbeddedPostgres({ dataDir, port, fsync: false });
    const databaseUrl = server.url;
    const api = await processes.startApi({ databaseUrl });
    const worker = await processes.startWorker({ databaseUrl, env: { MAX_WORKERS: '4' } });
    expect((await requestJson(`${api.url}/ready`)).status).toBe(200);

    const ids: string[] = [];
    for (let i = 0; i < TASKS; i++) {
      const { status, body } = await requestJson<{ task_id: string }>(`${api.url}/tasks`, {
        body: { workflow: 'recorded', params: { steps: STEPS, step_ms: 400, record_file: record } },
      });
      expect(status).toBe(202);
      ids.push(body.task_id);
    }
    await waitFor(() => readStarts(record).length >= 4, 'tasks to be running');

    await server.stop();
    server = undefined;
    const down = await waitFor(async () => {
      const ready = await requestJson<{ status: string }>(`${api.url}/ready`);
      return ready.status === 503 ? ready : undefined;
    }, '/ready to report the outage');
    expect(down.body).toMatchObject({ status: 'not_ready' });
    // While the database is away the api still answers (an error, not a hang or a crash).
    const refused = await requestJson(`${api.url}/tasks/${ids[0]}`);
    expect(refused.status).toBeGreaterThanOrEqual(500);

    server = await startEmbeddedPostgres({ dataDir, port, fsync: false });
    await waitFor(
      async () => (await requestJson(`${api.url}/ready`)).status === 200,
      '/ready after the restart',
    );
    // Submitted after the restart: the queue listener and the worker's fetch loop are back too.
    const after = await requestJson<{ task_id: string }>(`${api.url}/tasks`, {
      body: { workflow: 'recorded', params: { steps: 2, step_ms: 10, record_file: record } },
    });
    expect(after.status).toBe(202);
    ids.push(after.body.task_id);

    const sql = postgres(server.url, { max: 1, onnotice: () => {} });
    try {
      await waitFor(
        async () => {
          const [row] = await sql<{ n: number }[]>`
            select count(*)::int as n from tasks where status = 'completed'`;
          return row?.n === ids.length;
        },
        'every task to complete after the restart',
        { timeoutMs: 100_000, intervalMs: 250 },
      ).catch(async (error: unknown) => {
        // What a human needs to see when this fails: where each task stands and what the services said.
        const stuck =
          await sql`select id, status, attempt, step, error from tasks where status <> 'completed'`;
        throw new Error(
          `${String(error)}\nunfinished: ${JSON.stringify(stuck)}\n` +
            `worker (exit ${worker.child.exitCode}):\n${logSummary(worker.output())}\n` +
            `api (exit ${api.child.exitCode}):\n${logSummary(api.output())}`,
        );
      });
      const rows = await sql<{ id: string; result: unknown; last_seq: number; events: number }[]>`
        select t.id, t.result, t.last_seq,
               (select count(*)::int from task_events e where e.task_id = t.id) as events
        from tasks t`;
      expect(rows.map((r) => r.id).sort()).toEqual([...ids].sort());
      for (const row of rows) {
        const steps = row.id === after.body.task_id ? 2 : STEPS;
        expect(row.result).toEqual({ ran: Array.from({ length: steps }, (_, i) => `step_${i + 1}`) });
        // Every event is stored once and in order: seq 1..last_seq with no hole.
        expect(row.events).toBe(row.last_seq);
      }
    } finally {
      await sql.end({ timeout: 5 });
    }
    // Nobody restarted the services: the same processes are still serving.
    expect(api.child.exitCode).toBeNull();
    expect(worker.child.exitCode).toBeNull();
  }, 170_000);
});
