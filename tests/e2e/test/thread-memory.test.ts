import { createTestDatabase, type TestDatabase } from '@kaygraph/db/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { requestJson } from '../src/http.ts';
import { Processes } from '../src/processes.ts';
import { waitFor } from '../src/wait.ts';

/**
 * The worker process as deployed (the node flags of its start script) caps each worker thread's memory at
 * WORKER_MEMORY_LIMIT_MB: a run over it fails with RESOURCE_LIMIT, and the worker goes on with the next.
 */
const processes = new Processes();
let database: TestDatabase | undefined;

afterAll(async () => {
  await processes.killAll();
  await database?.[Symbol.asyncDispose]();
});

interface TaskBody {
  status: string;
  error: { code: string; message: string } | null;
}

describe('thread memory cap of a deployed worker', () => {
  it('fails a run over WORKER_MEMORY_LIMIT_MB with RESOURCE_LIMIT and runs the next task', async () => {
    database = await createTestDatabase();
    const databaseUrl = database.url;
    const api = await processes.startApi({ databaseUrl });
    await processes.startWorker({ databaseUrl, env: { MAX_WORKERS: '2', WORKER_MEMORY_LIMIT_MB: '64' } });
    const submit = async (mb: number) => {
      const submitted = await requestJson<{ task_id: string }>(`${api.url}/tasks`, {
        body: { workflow: 'allocating', params: { mb } },
      });
      expect(submitted.status).toBe(202);
      return submitted.body.task_id;
    };
    const finished = (taskId: string) =>
      waitFor(async () => {
        const task = await requestJson<TaskBody>(`${api.url}/tasks/${taskId}`);
        return ['completed', 'failed'].includes(task.body.status) ? task.body : undefined;
      }, `task ${taskId} to finish`);

    const over = await finished(await submit(400));
    expect(over.status).toBe('failed');
    expect(over.error?.code).toBe('RESOURCE_LIMIT');

    const within = await finished(await submit(8));
    expect(within).toMatchObject({ status: 'completed', error: null });
  });

  it("caps the threads of npm start's bundled worker alike", async () => {
    await processes.killAll();
    await database?.[Symbol.asyncDispose]();
    database = await createTestDatabase();
    const api = await processes.startApi({
      databaseUrl: database.url,
      withWorker: true,
      env: { MAX_WORKERS: '2', WORKER_MEMORY_LIMIT_MB: '64' },
    });
    const submitted = await requestJson<{ task_id: string }>(`${api.url}/tasks`, {
      body: { workflow: 'allocating', params: { mb: 400 } },
    });
    expect(submitted.status).toBe(202);
    const taskId = submitted.body.task_id;
    const over = await waitFor(async () => {
      const task = await requestJson<TaskBody>(`${api.url}/tasks/${taskId}`);
      return ['completed', 'failed'].includes(task.body.status) ? task.body : undefined;
    }, `task ${taskId} to finish`);
    expect(over.status).toBe('failed');
    expect(over.error?.code).toBe('RESOURCE_LIMIT');
  });
});
