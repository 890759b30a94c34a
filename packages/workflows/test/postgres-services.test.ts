import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@kaygraph/db';
import { createTestDatabase, type TestDatabase } from '@kaygraph/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunkText } from '../src/lib/chunk.ts';
import { embed } from '../src/lib/embed.ts';
import { resolveDataFile } from '../src/services/data-dir.ts';
import { createPostgresServices, postgresServices } from '../src/services/postgres.ts';

let database: TestDatabase;
let connection: ReturnType<typeof connect>;

beforeAll(async () => {
  database = await createTestDatabase();
  connection = connect(database.url);
});
afterAll(async () => {
  await connection.close();
  await database[Symbol.asyncDispose]();
});

async function insertTask(values: {
  owner: string;
  workflow: string;
  status: string;
  createdAt: string;
  seconds?: number;
  error?: { code: string; message: string };
}): Promise<string> {
  const started = values.seconds === undefined ? null : values.createdAt;
  const [row] = await connection.sql<{ id: string }[]>`
    insert into tasks (owner, workflow, status, max_retries, timeout_seconds, created_at, started_at, completed_at, error)
    values (${values.owner}, ${values.workflow}, ${values.status}, 3, 3600, ${values.createdAt}::timestamptz,
            ${started}::timestamptz,
            ${started}::timestamptz + make_interval(secs => ${values.seconds ?? 0}),
            ${values.error ? JSON.stringify(values.error) : null}::jsonb)
    returning id`;
  if (!row) throw new Error('insert returned no row');
  return row.id;
}

describe('postgres services', () => {
  it('stores and replaces artifacts of a task', async () => {
    const taskId = await insertTask({
      owner: 'ann',
      workflow: 'demo',
      status: 'running',
      createdAt: '2026-01-01T00:00:00Z',
    });
    const services = postgresServices(connection.sql, { owner: 'ann', taskId, dataDir: null });
    await services.artifacts.put('report.csv', 'text/csv', new TextEncoder().encode('a,b\n1,2\n'));
    const stored = await services.artifacts.put(
      'report.csv',
      'text/csv',
      new TextEncoder().encode('a,b\n3,4\n5,6\n'),
    );
    expect(stored).toEqual({ name: 'report.csv', content_type: 'text/csv', size: 12 });
    const rows = await connection.sql<{ content: Buffer; size: number }[]>`
      select content, size from task_artifacts where task_id = ${taskId}::uuid`;
    expect(rows).toHaveLength(1);
    expect(rows[0]?.content.toString()).toBe('a,b\n3,4\n5,6\n');
  });

  it('refuses an artifact over 255 MiB with a message naming the limit, storing nothing', async () => {
    const taskId = await insertTask({
      owner: 'ann',
      workflow: 'demo',
      status: 'running',
      createdAt: '2026-01-01T00:00:00Z',
    });
    const services = postgresServices(connection.sql, { owner: 'ann', taskId, dataDir: null });
    // Zero-filled pages are not touched until written: this costs little memory.
    const bytes = new Uint8Array(256 * 1024 * 1024);
    await expect(services.artifacts.put('weights.bin', 'application/octet-stream', bytes)).rejects.toThrow(
      'artifact "weights.bin" is 268,435,456 bytes; an artifact is at most 267,386,880 bytes (255 MiB): ' +
        'split it into several',
    );
    const rows = await connection.sql`select 1 from task_artifacts where task_id = ${taskId}::uuid`;
    expect(rows).toHaveLength(0);
  });

  it('indexes documents per owner and finds the relevant one first', async () => {
    await using services = createPostgresServices({
      databaseUrl: database.url,
      owner: 'ann',
      taskId: null,
      dataDir: null,
    });
    const docs: Record<string, string> = {
      'postgres.md':
        'PostgreSQL uses write-ahead logging. Every change is written to the WAL before the data pages, so a crash can be recovered by replaying the log.',
      'bread.md':
        'Sourdough bread rises thanks to wild yeast in the starter. Knead the dough, let it proof overnight and bake hot.',
      'ml.md':
        'Gradient descent updates the weights of a neural network in the direction that lowers the training loss.',
    };
    for (const [name, text] of Object.entries(docs)) {
      const chunks = chunkText(text, 80, 20).map((chunk, i) => ({
        chunkNo: i,
        content: chunk.text,
        embedding: embed(chunk.text),
      }));
      await services.documents.replaceDocument('kb', name, chunks);
    }
    const hits = await services.documents.search(
      'kb',
      'how does crash recovery with the write-ahead log work',
      3,
    );
    expect(hits[0]?.document).toBe('postgres.md');
    expect(hits[0]?.score).toBeGreaterThan(hits[1]?.score ?? 0);
    expect(hits[0]?.text_score).toBe(1);

    // replacing a document removes its old chunks; other owners never see them
    const again = await services.documents.replaceDocument('kb', 'bread.md', [
      { chunkNo: 0, content: 'Rye bread.', embedding: embed('Rye bread.') },
    ]);
    expect(again.removed).toBeGreaterThan(0);
    expect(await services.documents.fullTextStats('kb')).toMatchObject({ documents: 3 });
    // an abort between insert batches rolls the replacement back
    const controller = new AbortController();
    controller.abort(new Error('cancelled'));
    const many = Array.from({ length: 450 }, (_, i) => ({
      chunkNo: i,
      content: `bread ${i}`,
      embedding: embed('bread'),
    }));
    await expect(
      services.documents.replaceDocument('kb', 'bread.md', many, controller.signal),
    ).rejects.toThrow(/cancelled/);
    expect(await services.documents.search('kb', 'rye bread', 5)).toEqual([
      expect.objectContaining({ document: 'bread.md', content: 'Rye bread.' }),
    ]);
    const other = postgresServices(connection.sql, { owner: 'bob', taskId: null, dataDir: null });
    expect(await other.documents.search('kb', 'bread', 5)).toEqual([]);
  });

  it('computes task statistics of a window: statuses, durations, error rate, top errors', async () => {
    const owner = 'stats-owner';
    const day = '2026-03-10T';
    await insertTask({
      owner,
      workflow: 'a',
      status: 'completed',
      createdAt: `${day}01:00:00Z`,
      seconds: 10,
    });
    await insertTask({
      owner,
      workflow: 'a',
      status: 'completed',
      createdAt: `${day}02:00:00Z`,
      seconds: 30,
    });
    await insertTask({
      owner,
      workflow: 'b',
      status: 'failed',
      createdAt: `${day}03:00:00Z`,
      seconds: 5,
      error: { code: 'TIMEOUT', message: 'took too long' },
    });
    await insertTask({
      owner,
      workflow: 'a',
      status: 'failed',
      createdAt: `${day}04:00:00Z`,
      seconds: 2,
      error: { code: 'TIMEOUT', message: 'took too long' },
    });
    await insertTask({ owner, workflow: 'b', status: 'queued', createdAt: `${day}05:00:00Z` });
    await insertTask({
      owner,
      workflow: 'a',
      status: 'completed',
      createdAt: '2026-03-11T01:00:00Z',
      seconds: 99,
    }); // outside
    await insertTask({
      owner: 'someone-else',
      workflow: 'a',
      status: 'failed',
      createdAt: `${day}06:00:00Z`,
      seconds: 1,
    });
    const services = postgresServices(connection.sql, { owner, taskId: null, dataDir: null });
    const stats = await services.tasks.stats({
      from: new Date(`${day}00:00:00Z`),
      to: new Date('2026-03-11T00:00:00Z'),
    });
    expect(stats.total).toBe(5);
    expect(stats.by_status).toEqual({ completed: 2, failed: 2, queued: 1 });
    expect(stats.error_rate).toBe(0.5);
    expect(stats.by_workflow.map((w) => [w.workflow, w.total])).toEqual([
      ['a', 3],
      ['b', 2],
    ]);
    expect(stats.by_workflow[0]?.duration_seconds).toMatchObject({ count: 3, max: 30, p50: 10 });
    expect(stats.duration_seconds).toMatchObject({ count: 4, mean: 11.75, max: 30 });
    expect(stats.top_errors).toEqual([
      { code: 'TIMEOUT', message: 'took too long', count: 2, workflows: ['a', 'b'] },
    ]);
  });
});

describe('resolveDataFile', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'kg-data-'));
    await mkdir(join(root, 'data'));
    await writeFile(join(root, 'data', 'sales.csv'), 'a\n1\n');
    await writeFile(join(root, 'secret.txt'), 'no');
    await symlink(join(root, 'secret.txt'), join(root, 'data', 'link.txt'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('finds files inside the data directory, with or without extension', async () => {
    const dir = join(root, 'data');
    expect(await resolveDataFile(dir, 'sales.csv', [])).toMatch(/sales\.csv$/);
    expect(await resolveDataFile(dir, 'sales', ['.json', '.csv'])).toMatch(/sales\.csv$/);
  });

  it('refuses paths that escape it, directly or through a symlink', async () => {
    const dir = join(root, 'data');
    await expect(resolveDataFile(dir, '../secret.txt', [])).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
    await expect(resolveDataFile(dir, join(root, 'secret.txt'), [])).rejects.toMatchObject({
      code: 'INVALID_PARAMS',
    });
    await expect(resolveDataFile(dir, 'link.txt', [])).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
    await expect(resolveDataFile(dir, 'missing.csv', [])).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(resolveDataFile(null, 'sales.csv', [])).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
  });
});
