import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@kaygraph/client';
import { createTestDatabase, type TestDatabase } from '@kaygraph/db/testing';
import postgres from 'postgres';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { requestJson } from '../src/http.ts';
import { freePort, Processes } from '../src/processes.ts';
import { readStarts } from '../src/records.ts';
import { followRawSocket, followSse } from '../src/stream-clients.ts';
import { waitFor } from '../src/wait.ts';

const processes = new Processes();
let database: TestDatabase;
let sql: postgres.Sql;
const dir = mkdtempSync(join(tmpdir(), 'kg-e2e-faults-'));

beforeAll(async () => {
  database = await createTestDatabase();
  sql = postgres(database.url, { max: 2, onnotice: () => {} });
});
afterEach(async () => {
  await processes.killAll();
});
afterAll(async () => {
  await processes.killAll();
  await sql?.end({ timeout: 5 });
  await database?.[Symbol.asyncDispose]();
});

async function statusOf(taskId: string): Promise<string | undefined> {
  const [row] = await sql<{ status: string }[]>`select status from tasks where id = ${taskId}`;
  return row?.status;
}

async function storedSeqs(taskId: string): Promise<number[]> {
  const rows = await sql<{ seq: number }[]>`
    select seq from task_events where task_id = ${taskId} order by seq`;
  return rows.map((row) => row.seq);
}

describe('faults with real processes', () => {
  it('a worker killed with SIGKILL mid-task: the task resumes on another worker from its checkpoint', async () => {
    const databaseUrl = database.url;
    const record = join(dir, 'sigkill.jsonl');
    const api = await processes.startApi({ databaseUrl });
    const first = await processes.startWorker({ databaseUrl, env: { MAX_WORKERS: '1' } });
    const { body } = await requestJson<{ task_id: string }>(`${api.url}/tasks`, {
      body: { workflow: 'recorded', params: { steps: 6, step_ms: 1000, record_file: record } },
    });
    const taskId = body.task_id;
    // Killed in the middle of a step after at least one checkpoint (step_2 or later is running).
    await waitFor(() => readStarts(record, taskId).length >= 2, 'a second step to start');
    expect(await first.stop('SIGKILL')).toBe('SIGKILL');
    const before = readStarts(record, taskId);
    const interrupted = before.length; // step_<interrupted> was running when the worker died
    expect(interrupted).toBeLessThan(6);
    // Another worker process (started only now, so the first one surely ran the task) takes it over.
    const second = await processes.startWorker({ databaseUrl, env: { MAX_WORKERS: '1' } });

    await waitFor(async () => (await statusOf(taskId)) === 'completed', 'the task to complete elsewhere', {
      timeoutMs: 90_000,
      intervalMs: 200,
    });
    // The checkpointed steps did not run again: the second worker started at the interrupted step.
    const expected = [
      ...Array.from({ length: interrupted }, (_, i) => ({
        node: `step_${i + 1}`,
        attempt: 1,
        pid: first.pid,
      })),
      ...Array.from({ length: 6 - interrupted + 1 }, (_, i) => ({
        node: `step_${interrupted + i}`,
        attempt: 2,
        pid: second.pid,
      })),
    ];
    expect(readStarts(record, taskId).map((s) => ({ node: s.node, attempt: s.attempt, pid: s.pid }))).toEqual(
      expected,
    );
    const result = await requestJson<{ result: unknown }>(`${api.url}/tasks/${taskId}/result`);
    expect(result.body.result).toEqual({ ran: ['step_1', 'step_2', 'step_3', 'step_4', 'step_5', 'step_6'] });
    expect(second.child.exitCode).toBeNull();
  });

  it('an api restarted while clients stream: SSE, raw WS and tRPC clients resume with no gap and no duplicate', async () => {
    const databaseUrl = database.url;
    const port = await freePort();
    const record = join(dir, 'restart.jsonl');
    const api = await processes.startApi({ databaseUrl, port });
    await processes.startWorker({ databaseUrl, env: { MAX_WORKERS: '2' } });
    const { body } = await requestJson<{ task_id: string }>(`${api.url}/tasks`, {
      body: { workflow: 'recorded', params: { steps: 30, step_ms: 150, record_file: record } },
    });
    const taskId = body.task_id;

    using client = createClient({ url: api.url });
    const trpcSeqs: number[] = [];
    const following = Promise.all([
      followSse(api.url, taskId),
      followRawSocket(api.url, taskId),
      (async () => {
        for await (const event of client.watch(taskId, { retryDelayMs: () => 100 })) trpcSeqs.push(event.seq);
      })(),
    ]);
    // Mid-task (some steps done, most to come): restart the api on the same port.
    await waitFor(() => readStarts(record, taskId).length >= 8, 'eight steps to start');
    expect(await api.stop('SIGTERM')).toBe(0);
    await processes.startApi({ databaseUrl, port });
    const [sse, socket] = await following;

    expect(await statusOf(taskId)).toBe('completed');
    const stored = await storedSeqs(taskId);
    expect(stored.length).toBeGreaterThan(30);
    expect(sse.seqs).toEqual(stored);
    expect(socket.seqs).toEqual(stored);
    expect(trpcSeqs).toEqual(stored);
    // The streams really were cut and resumed, not merely slow.
    expect(sse.reconnects).toBeGreaterThan(0);
    expect(socket.reconnects).toBeGreaterThan(0);
  });
});
