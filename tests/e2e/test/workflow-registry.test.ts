import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '@kaygraph/db/testing';
import postgres from 'postgres';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { catalog } from '../src/e2e-workflows.ts';
import { requestJson } from '../src/http.ts';
import { Processes } from '../src/processes.ts';
import { waitFor } from '../src/wait.ts';

const processes = new Processes();
let database: TestDatabase;
let sql: postgres.Sql;
const dir = mkdtempSync(join(tmpdir(), 'kg-e2e-registry-'));

beforeAll(async () => {
  database = await createTestDatabase();
  sql = postgres(database.url, { max: 1, onnotice: () => {} });
});
afterEach(async () => {
  await processes.killAll();
});
afterAll(async () => {
  await processes.killAll();
  await sql?.end({ timeout: 5 });
  await database?.[Symbol.asyncDispose]();
});

interface Listed {
  workflows: { name: string; versions: { current: boolean; workers: { pid: number }[] }[] }[];
}

describe('a stock api process and a worker with its own workflows', () => {
  it('the api, started without the workflow code, accepts submits for a workflow once a worker registered it', async () => {
    const databaseUrl = database.url;
    // The api is pointed at no workflows module at all: it loads no workflow code.
    const api = await processes.startApi({ databaseUrl, env: { WORKFLOWS_MODULE: join(dir, 'absent.ts') } });
    const params = { steps: 2, step_ms: 10, record_file: join(dir, 'recorded.jsonl') };
    const early = await requestJson<{ message: string }>(`${api.url}/tasks`, {
      body: { workflow: 'recorded', params },
    });
    expect(early.status).toBe(400);
    expect(early.body.message).toContain('no worker has registered workflow "recorded"');
    const [{ n } = { n: -1 }] = await sql<{ n: number }[]>`select count(*)::int as n from tasks`;
    expect(n).toBe(0);

    // A worker process whose WORKFLOWS_MODULE (the e2e catalog: built-ins + `recorded`) registers them.
    const worker = await processes.startWorker({ databaseUrl, env: { MAX_WORKERS: '2' } });
    const listed = await waitFor(async () => {
      const answer = await requestJson<Listed>(`${api.url}/workflows`);
      return answer.body.workflows.length > 0 ? answer.body : undefined;
    }, 'the worker to register its workflows');
    expect(listed.workflows.map((workflow) => workflow.name)).toEqual(
      catalog
        .list()
        .map((workflow) => workflow.name)
        .sort(),
    );
    const recorded = listed.workflows.find((workflow) => workflow.name === 'recorded');
    expect(recorded?.versions[0]?.workers.map((served) => served.pid)).toEqual([worker.pid]);

    const bad = await requestJson<{ code: string; issues: { path: string }[] }>(`${api.url}/tasks`, {
      body: { workflow: 'recorded', params: { ...params, steps: 0 } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.issues.map((issue) => issue.path)).toEqual(['params.steps']);

    const submitted = await requestJson<{ task_id: string }>(`${api.url}/tasks`, {
      body: { workflow: 'recorded', params },
    });
    expect(submitted.status).toBe(202);
    const result = await waitFor(async () => {
      const answer = await requestJson<{ status: string; result: unknown }>(
        `${api.url}/tasks/${submitted.body.task_id}/result`,
      );
      return answer.body.status === 'completed' ? answer.body : undefined;
    }, 'the task to complete');
    expect(result.result).toEqual({ ran: ['step_1', 'step_2'] });
  });
});
