import { createTestDatabase, type TestDatabase } from '@kaygraph/db/testing';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFuzz } from '../src/fuzz/run.ts';
import { requestJson } from '../src/http.ts';
import { type ApiProcess, Processes, type ServiceProcess } from '../src/processes.ts';
import { waitFor } from '../src/wait.ts';

const processes = new Processes();
let database: TestDatabase;
let sql: postgres.Sql;
let api: ApiProcess;
let worker: ServiceProcess;

beforeAll(async () => {
  database = await createTestDatabase();
  sql = postgres(database.url, { max: 1, onnotice: () => {} });
  // Quiet logs: 10,000 rejected requests would otherwise be 10,000 lines to pipe.
  const env = { LOG_LEVEL: 'warn' };
  api = await processes.startApi({ databaseUrl: database.url, env });
  worker = await processes.startWorker({
    databaseUrl: database.url,
    env: { LOG_LEVEL: 'info', MAX_WORKERS: '2' },
  });
});
afterAll(async () => {
  await processes.killAll();
  await sql?.end({ timeout: 5 });
  await database?.[Symbol.asyncDispose]();
});

/** Tasks not fired by a schedule (a schedule the fuzz managed to create may fire at any minute). */
async function taskCount(): Promise<number> {
  const [row] = await sql<{ n: number }[]>`select count(*)::int as n from tasks where schedule_id is null`;
  return row?.n ?? 0;
}

describe('bad input', () => {
  it('10,000 seeded malformed requests: no 5xx, no crash, nothing stored for what was rejected', async () => {
    // One real task, so bad input also reaches the handlers behind a successful id lookup.
    const { body } = await requestJson<{ task_id: string }>(`${api.url}/tasks`, {
      body: { workflow: 'demo', params: { steps: 1, step_ms: 0 } },
    });
    await waitFor(
      async () =>
        (await requestJson<{ status: string }>(`${api.url}/tasks/${body.task_id}`)).body.status ===
        'completed',
      'the target task to complete',
    );
    const before = await taskCount();

    const report = await runFuzz({
      url: api.url,
      targets: { taskId: body.task_id },
      count: 10_000,
      concurrency: 20,
    });

    // On failure, the api's own error lines say why.
    const apiErrors = api
      .output()
      .split('\n')
      .filter((line) => /"level":50|task socket/.test(line));
    expect(
      report.serverErrors.map((f) => `${f.case.label} -> ${f.status}: ${f.detail.slice(0, 200)}`),
      apiErrors
        .filter((line) => !line.includes('"message":"aborted"'))
        .join('\n')
        .slice(-4000),
    ).toEqual([]);
    // Connection-level failures are allowed only where the server cuts a request on purpose (a body over
    // the limit); anything else would mean the api went away.
    const unexpected = report.transportErrors.filter(
      (f) => !(f.case.kind === 'http' && (f.case.body?.length ?? 0) > 1_000_000),
    );
    expect(unexpected.map((f) => `${f.case.label}: ${f.detail}`)).toEqual([]);
    // Nothing was stored except what an answer said it created (none, unless a "malformed" request
    // happened to be valid).
    const created = new Set(report.createdTaskIds.filter((id) => id !== body.task_id));
    expect(await taskCount()).toBe(before + created.size);
    expect(created.size).toBeLessThan(report.count * 0.01);
    // Both processes are alive and well.
    expect(api.child.exitCode).toBeNull();
    expect(worker.child.exitCode).toBeNull();
    expect((await requestJson(`${api.url}/health`)).status).toBe(200);
    expect((await requestJson(`${api.url}/ready`)).status).toBe(200);
    // The mix that was sent, for the log.
    console.info(
      `fuzz: ${report.count} cases, seed ${report.seed}, ${report.seconds.toFixed(1)} s, statuses ${JSON.stringify(report.statuses)}, ` +
        `created ${created.size}`,
    );
  });
});
