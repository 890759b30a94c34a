import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isTerminalStatus } from '@kaygraph/contracts';
import { connect } from '@kaygraph/db';
import { createTestDatabase, type TestDatabase } from '@kaygraph/db/testing';
import { type Caller, createTaskSystem, type TaskSystem, type WorkerRuntime } from '@kaygraph/tasks';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { searchDocuments } from '../src/index.ts';

const ann: Caller = { owner: 'ann', admin: false };
let database: TestDatabase;
let system: TaskSystem;
let worker: WorkerRuntime;
let dataDir: string;

beforeAll(async () => {
  database = await createTestDatabase();
  dataDir = await mkdtemp(join(tmpdir(), 'kg-runtime-data-'));
  system = await createTaskSystem({
    databaseUrl: database.url,
    logger: pino({ level: 'silent' }),
    migrate: false,
  });
  worker = await system.startWorker({
    concurrency: 2,
    workflowsModule: '@kaygraph/workflows/catalog',
    servicesOptions: { dataDir },
  });
});
afterAll(async () => {
  await worker.stop();
  await system.close();
  await database[Symbol.asyncDispose]();
  await rm(dataDir, { recursive: true, force: true });
});

/** An artifact's type and text, read through the task service as the api's download reads it. */
async function readArtifact(taskId: string, name: string) {
  const download = await system.tasks.openArtifact(ann, taskId, name);
  const chunks: Buffer[] = [];
  for await (const chunk of download.chunks()) chunks.push(chunk);
  return { contentType: download.contentType, text: Buffer.concat(chunks).toString('utf8') };
}

/** Follows the task's events until its terminal status (the stream ends there). */
async function finish(taskId: string) {
  for await (const _event of system.tasks.events(ann, taskId, {})) {
    // replayed and live events; the iterator ends after the terminal status event
  }
  const task = await system.tasks.get(ann, taskId);
  expect(isTerminalStatus(task.status)).toBe(true);
  return task;
}

describe('built-in workflows through the task runtime (queue, worker threads, services)', () => {
  it('data_processing completes with its result and downloadable CSV artifacts', async () => {
    await writeFile(join(dataDir, 'sales.csv'), 'region,amount\nNorth,10\nSouth,5\nnorth ,7\nSouth,oops\n');
    const { task_id } = await system.tasks.submit(ann, {
      workflow: 'data_processing',
      params: { input: 'sales.csv', group_by: ['region'] },
      priority: 'normal',
    });
    const task = await finish(task_id);
    expect(task.status).toBe('completed');
    const { result } = await system.tasks.result(ann, task_id);
    expect(result).toMatchObject({ counts: { read: 4 }, group_by: ['region'] });
    const groups = await readArtifact(task_id, 'groups.csv');
    expect(groups.contentType).toBe('text/csv');
    expect(groups.text).toContain('region,count');
  });

  it("rag_indexing writes the owner's index, which search then finds", async () => {
    const { task_id } = await system.tasks.submit(ann, {
      workflow: 'rag_indexing',
      params: {
        documents: [
          {
            name: 'queues.md',
            content: '# Queues\n\npg-boss stores jobs in PostgreSQL and uses SKIP LOCKED.',
          },
          { name: 'cats.md', content: '# Cats\n\nCats sleep most of the day.' },
        ],
        index: 'runtime',
      },
      priority: 'high',
    });
    expect((await finish(task_id)).status).toBe('completed');
    const connection = connect(database.url, { max: 1 });
    const { hits } = await searchDocuments(connection.sql, 'ann', {
      index: 'runtime',
      query: 'job queue on postgres',
    });
    await connection.close();
    expect(hits[0]?.document).toBe('queues.md');
  });

  it('a completed task keeps the step its run ended on', async () => {
    const { task_id } = await system.tasks.submit(ann, {
      workflow: 'demo',
      params: { steps: 3, step_ms: 0 },
      priority: 'normal',
    });
    const task = await finish(task_id);
    expect(task).toMatchObject({ status: 'completed', progress: 100, step: 'Step 3 of 3' });
  });

  it('demo fails its first attempt and completes on the retry, resuming after the completed steps', async () => {
    const { task_id } = await system.tasks.submit(ann, {
      workflow: 'demo',
      params: { steps: 3, step_ms: 1, fail_attempts: 1, result: 'done' },
      priority: 'normal',
    });
    const task = await finish(task_id);
    expect(task.status).toBe('completed');
    const { result } = await system.tasks.result(ann, task_id);
    expect(result).toEqual({
      result: 'done',
      steps: [
        { step: 1, attempt: 1 },
        { step: 2, attempt: 1 },
        { step: 3, attempt: 2 },
      ],
      attempt: 2,
    });
  });

  it('runs the spec chain preprocess -> analyze -> report, each seeing its dependency results', async () => {
    const preprocessed = await system.tasks.submit(ann, {
      workflow: 'preprocess',
      params: { generate: { rows: 500, seed: 3 } },
      priority: 'normal',
    });
    const analysed = await system.tasks.submit(ann, {
      workflow: 'analyze',
      params: { group_by: ['region'] },
      priority: 'normal',
      depends_on: [preprocessed.task_id],
    });
    const reported = await system.tasks.submit(ann, {
      workflow: 'report',
      params: { title: 'Regions' },
      priority: 'normal',
      depends_on: [analysed.task_id],
    });
    expect((await finish(reported.task_id)).status).toBe('completed');
    const analysis = (await system.tasks.result(ann, analysed.task_id)).result as {
      rows: number;
      sources: string[];
    };
    expect(analysis.sources).toEqual([preprocessed.task_id]);
    expect(analysis.rows).toBeGreaterThan(450);
    const { result } = await system.tasks.result(ann, reported.task_id);
    expect(result).toMatchObject({ title: 'Regions', sources: [analysed.task_id] });
    const markdown = await readArtifact(reported.task_id, 'report.md');
    expect(markdown.text).toContain(`## Analysis ${analysed.task_id}`);
  });

  it('a file outside the data directory fails the task at once, without retries', async () => {
    const { task_id } = await system.tasks.submit(ann, {
      workflow: 'data_processing',
      params: { input: '../../etc/passwd' },
      priority: 'normal',
    });
    const task = await finish(task_id);
    expect(task.status).toBe('failed');
    expect(task.attempt).toBe(1);
    expect(task.error?.message).toMatch(/data directory/);
  });
});
