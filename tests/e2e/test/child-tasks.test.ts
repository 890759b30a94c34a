import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '@kaygraph/db/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { requestJson } from '../src/http.ts';
import { logSummary } from '../src/log-summary.ts';
import { Processes } from '../src/processes.ts';
import { readStarts } from '../src/records.ts';
import { waitFor } from '../src/wait.ts';

/**
 * A parent with 100 child tasks spread over 3 worker processes, one of which is SIGKILLed while it runs
 * children: every child completes (the killed worker's are taken back and run again), and the parent
 * resumes once with the 100 results in the order it gave the children.
 */
const processes = new Processes();
const recordDir = mkdtempSync(join(tmpdir(), 'kg-e2e-children-'));
const record = join(recordDir, 'steps.jsonl');
let database: TestDatabase | undefined;

afterAll(async () => {
  await processes.killAll();
  await database?.[Symbol.asyncDispose]();
  rmSync(recordDir, { recursive: true, force: true });
});

const CHILDREN = 100;

describe('child tasks across worker processes', () => {
  it('completes 100 children on 3 workers, one SIGKILLed, and resumes the parent with results in order', async () => {
    database = await createTestDatabase();
    const databaseUrl = database.url;
    const api = await processes.startApi({ databaseUrl });
    // One wait asks for all the children: the workers' MAX_BATCH_SIZE (50 unless set) must allow them.
    const env = { MAX_WORKERS: '4', MAX_BATCH_SIZE: String(CHILDREN) };
    const workers = [
      await processes.startWorker({ databaseUrl, env }),
      await processes.startWorker({ databaseUrl, env }),
      await processes.startWorker({ databaseUrl, env }),
    ];
    const submitted = await requestJson<{ task_id: string }>(`${api.url}/tasks`, {
      body: {
        workflow: 'recorded_children',
        params: { children: CHILDREN, step_ms: 150, record_file: record },
      },
    });
    expect(submitted.status).toBe(202);
    const parentId = submitted.body.task_id;

    const [victim] = workers;
    if (!victim) throw new Error('no worker');
    await waitFor(
      () => new Set(readStarts(record).map((start) => start.pid)).size === 3,
      'children running on all three workers',
    );
    expect(await victim.stop('SIGKILL')).toBe('SIGKILL');

    const parent = await waitFor(
      async () => {
        const task = await requestJson<{ status: string }>(`${api.url}/tasks/${parentId}`);
        return ['completed', 'failed', 'cancelled'].includes(task.body.status) ? task.body : undefined;
      },
      'the parent to finish',
      { timeoutMs: 120_000, intervalMs: 250 },
    ).catch((error: unknown) => {
      const outputs = workers.map((worker) => logSummary(worker.output())).join('\n');
      throw new Error(`${String(error)}\n${outputs}`);
    });
    expect(parent.status).toBe('completed');
    const result = await requestJson<{ result: { results: { ran: string[] }[] } }>(
      `${api.url}/tasks/${parentId}/result`,
    );
    const results = result.body.result.results;
    expect(results).toHaveLength(CHILDREN);
    results.forEach((child, i) => {
      expect(child.ran).toEqual(Array.from({ length: (i % 3) + 1 }, (_, step) => `step_${step + 1}`));
    });
    // The killed worker had run children, and some of its children ran again on the others.
    const starts = readStarts(record);
    expect(starts.some((start) => start.pid === victim.pid)).toBe(true);
    expect(starts.some((start) => start.attempt > 1)).toBe(true);
  }, 200_000);
});
