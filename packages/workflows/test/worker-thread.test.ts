import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './harness.ts';

let harness: Harness;
beforeAll(async () => {
  harness = await createHarness();
});
afterAll(() => harness[Symbol.asyncDispose]());

function runInThread(
  data: Record<string, unknown>,
): Promise<{ result: Record<string, unknown>; steps: string[] }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(join(import.meta.dirname, 'fixtures', 'thread-run.ts'), { workerData: data });
    worker.once('message', (message) => {
      resolve(message);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

describe('the catalog module in a worker thread', () => {
  it('runs built-ins by name with services created from the database URL', async () => {
    const services = await harness.servicesForTask('rag_indexing', 'thread-owner');
    const { result, steps } = await runInThread({
      databaseUrl: harness.databaseUrl,
      dataDir: harness.dataDir,
      taskId: services.taskId,
      owner: 'thread-owner',
      workflow: 'rag_indexing',
      params: {
        documents: [{ name: 'a.md', content: '# Threads\n\nWorker threads run CPU-bound graphs.' }],
        index: 'threads',
      },
    });
    expect(result).toMatchObject({ index: 'threads', chunks: 1, full_text: { documents: 1 } });
    expect(steps).toContain('Build vector index');
    const hits = await services.documents.search('threads', 'cpu bound worker threads', 1);
    expect(hits[0]?.document).toBe('a.md');
  });
});
