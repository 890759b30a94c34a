import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '@kaygraph/db';
import { afterAll, describe, expect, it } from 'vitest';
import { requestJson } from '../src/http.ts';
import { freePort, Processes } from '../src/processes.ts';
import { readStarts } from '../src/records.ts';
import { waitFor } from '../src/wait.ts';

/**
 * A task waiting for a signal outlives everything that could hold it: its worker and the api are
 * SIGKILLed and PostgreSQL (a private server on its own port) is restarted; new processes then deliver
 * one signal and the task resumes once, from the node after the wait.
 */
const processes = new Processes();
const dataDir = mkdtempSync(join(tmpdir(), 'kg-e2e-wait-pg-'));
const recordDir = mkdtempSync(join(tmpdir(), 'kg-e2e-wait-records-'));
const record = join(recordDir, 'steps.jsonl');
let server: EmbeddedPostgres | undefined;

afterAll(async () => {
  await processes.killAll();
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(recordDir, { recursive: true, force: true });
});

interface TaskBody {
  status: string;
  wait: { kind: string; signal?: string } | null;
}

async function taskOf(apiUrl: string, taskId: string): Promise<TaskBody> {
  return (await requestJson<TaskBody>(`${apiUrl}/tasks/${taskId}`)).body;
}

describe('a waiting task survives its processes and the database', () => {
  it('resumes exactly once from the node after the wait after SIGKILLs and a PostgreSQL restart', async () => {
    const port = await freePort();
    server = await startEmbeddedPostgres({ dataDir, port, fsync: false });
    const databaseUrl = server.url;
    const api = await processes.startApi({ databaseUrl });
    const worker = await processes.startWorker({ databaseUrl });

    const submitted = await requestJson<{ task_id: string }>(`${api.url}/tasks`, {
      body: { workflow: 'recorded_approval', params: { record_file: record, step_ms: 10 } },
    });
    expect(submitted.status).toBe(202);
    const taskId = submitted.body.task_id;
    await waitFor(async () => (await taskOf(api.url, taskId)).status === 'waiting', 'the task to wait');
    expect((await taskOf(api.url, taskId)).wait).toMatchObject({ kind: 'signal', signal: 'approval' });

    expect(await worker.stop('SIGKILL')).toBe('SIGKILL');
    expect(await api.stop('SIGKILL')).toBe('SIGKILL');
    await server.stop();
    server = await startEmbeddedPostgres({ dataDir, port, fsync: false });

    const api2 = await processes.startApi({ databaseUrl });
    const worker2 = await processes.startWorker({ databaseUrl });
    const waiting = await taskOf(api2.url, taskId);
    expect(waiting).toMatchObject({ status: 'waiting', wait: { kind: 'signal', signal: 'approval' } });

    // Two signals racing for the wait: one resumes it, the other is refused.
    const answers = await Promise.all(
      [true, false].map((approved) =>
        requestJson<{ taken?: string }>(`${api2.url}/tasks/${taskId}/signals/approval`, {
          body: { approved },
        }),
      ),
    );
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409]);
    expect(answers.find((answer) => answer.status === 200)?.body).toMatchObject({ taken: 'resumed' });

    await waitFor(
      async () => (await taskOf(api2.url, taskId)).status === 'completed',
      'the task to complete',
      {
        timeoutMs: 60_000,
        intervalMs: 100,
      },
    );
    const result = await requestJson<{ result: unknown }>(`${api2.url}/tasks/${taskId}/result`);
    expect(result.body.result).toEqual({ ran: ['step_1', 'step_2'] });
    // Nothing before the wait ran again: the first worker ran step 1 and the wait, the new one step 2 only.
    const starts = readStarts(record, taskId);
    expect(starts.map((start) => [start.node, start.pid])).toEqual([
      ['step_1', worker.pid],
      ['await_approval', worker.pid],
      ['step_2', worker2.pid],
    ]);
  }, 150_000);
});
