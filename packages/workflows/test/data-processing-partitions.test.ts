import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_MAX_BATCH_SIZE } from '@kaygraph/contracts';
import type { Checkpoint, ChildOutcome, RunResult } from '@kaygraph/graph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DataProcessingResult, dataProcessing, dataProcessingPartition } from '../src/index.ts';
import { createHarness, type Harness } from './harness.ts';

let harness: Harness;
beforeAll(async () => {
  harness = await createHarness();
});
afterAll(() => harness[Symbol.asyncDispose]());

type Shared = { result?: unknown };
const viaJson = <T>(value: T): T => JSON.parse(JSON.stringify(value));

async function whole(params: Record<string, unknown>): Promise<DataProcessingResult> {
  const services = await harness.servicesForTask('data_processing');
  const shared: Shared = {};
  await dataProcessing.graph(params).run(shared, { params: { services } });
  return dataProcessing.result?.parse(shared.result) as DataProcessingResult;
}

/**
 * A partitioned task as the runtime drives it: the parent suspends with its children, each child
 * runs as a task of its own, the parent resumes with their outcomes in order.
 */
async function partitioned(
  params: Record<string, unknown>,
  childOutcome: (index: number, run: () => Promise<unknown>) => Promise<ChildOutcome> = async (
    index,
    run,
  ) => ({
    task_id: `child-${index}`,
    status: 'completed',
    result: await run(),
  }),
) {
  const services = await harness.servicesForTask('data_processing');
  const first: RunResult<Shared> = await dataProcessing.graph(params).run({}, { params: { services } });
  if (first.outcome !== 'suspended' || first.wait.kind !== 'children') throw new Error('expected children');
  const children = viaJson(first.wait.children);
  const outcomes: ChildOutcome[] = [];
  for (const [index, child] of children.entries()) {
    expect(child.workflow).toBe('data_processing_partition');
    outcomes.push(
      await childOutcome(index, async () => {
        const childServices = await harness.servicesForTask(child.workflow);
        const shared: Shared = {};
        await dataProcessingPartition
          .graph(child.params)
          .run(shared, { params: { services: childServices } });
        return viaJson(shared.result);
      }),
    );
  }
  const resume = () =>
    dataProcessing.graph(params).run(
      {},
      {
        params: { services },
        resumeFrom: viaJson(first.checkpoint) as Checkpoint<Shared>,
        resumeWith: { kind: 'children', outcomes },
      },
    );
  return { children, resume };
}

async function partitionedResult(params: Record<string, unknown>): Promise<DataProcessingResult> {
  const { resume } = await partitioned(params);
  const resumed = await resume();
  expect(resumed.outcome).toBe('completed');
  return dataProcessing.result?.parse(resumed.shared.result) as DataProcessingResult;
}

/** Same rows, counts and groups; sums and moments up to float rounding; quantiles are sampled. */
function expectSameReport(split: DataProcessingResult, single: DataProcessingResult) {
  expect(split.counts).toEqual(single.counts);
  expect(split.fields).toEqual(single.fields);
  expect(split.categories).toEqual(single.categories);
  expect(split.groups_total).toBe(single.groups_total);
  expect(split.groups.map((g) => [g.key, g.count])).toEqual(single.groups.map((g) => [g.key, g.count]));
  for (const [field, stats] of Object.entries(single.summary)) {
    const other = split.summary[field];
    expect(other).toMatchObject({ count: stats.count, min: stats.min, max: stats.max });
    expect(other?.sum).toBeCloseTo(stats.sum, 4);
    expect(other?.mean ?? 0).toBeCloseTo(stats.mean ?? 0, 6);
    expect(other?.std ?? 0).toBeCloseTo(stats.std ?? 0, 6);
  }
}

describe('data_processing with partitions', () => {
  it('splits generated rows into child tasks and merges them into the same report', async () => {
    const params = { input: { generate: { rows: 20_000, seed: 7 } }, chunk_size: 1000 };
    const { children } = await partitioned({ ...params, partitions: 3 });
    expect(children.map((c) => c.params.range)).toEqual([
      { start: { rows: 0, offset: 0 }, end: 6666, rows: 6666 },
      { start: { rows: 0, offset: 6666 }, end: 13333, rows: 6667 },
      { start: { rows: 0, offset: 13333 }, end: 20000, rows: 6667 },
    ]);
    const split = await partitionedResult({ ...params, partitions: 3 });
    expectSameReport(split, await whole(params));
    expect(split.counts.read).toBe(20_000);
    expect(split.artifacts.map((a) => a.name)).toEqual(['summary.csv', 'groups.csv']);
  });

  it('gives each child its own slice of inline records, repairs and drops counted once', async () => {
    const records = Array.from({ length: 50 }, (_, i) => ({
      city: i % 7 === 0 ? ' oslo ' : i % 2 ? 'Oslo' : 'Bergen',
      units: i % 11 === 0 ? -1 : i + 1,
    }));
    const schema = {
      fields: [
        { name: 'city', type: 'string', required: true, values: ['Oslo', 'Bergen'] },
        { name: 'units', type: 'integer', required: true, min: 1 },
      ],
    };
    const params = { input: records, schema, group_by: ['city'], chunk_size: 100 };
    const { children } = await partitioned({ ...params, partitions: 4 });
    expect(children.map((c) => (c.params.records as unknown[]).length)).toEqual([12, 13, 12, 13]);
    const split = await partitionedResult({ ...params, partitions: 4 });
    expectSameReport(split, await whole(params));
    expect(split.counts).toMatchObject({ read: 50, dropped: 5, repaired: 7 });
  });

  it('cuts CSV files at record boundaries, also where a quoted field spans lines', async () => {
    const lines = ['id,note,amount'];
    for (let i = 1; i <= 300; i++) {
      const note = i % 5 === 0 ? `"line one\nline two, ""quoted"" ${i}"` : `plain ${i}`;
      lines.push(`${i},${note},${(i * 1.25).toFixed(2)}`);
    }
    await writeFile(join(harness.dataDir, 'notes.csv'), `${lines.join('\n')}\n`);
    const params = { input: 'notes.csv', chunk_size: 100 };
    const { children } = await partitioned({ ...params, partitions: 3 });
    const ranges = children.map(
      (c) => c.params.range as { start: { offset: number }; end: number; rows: number },
    );
    expect(ranges.map((r) => r.rows).reduce((a, b) => a + b)).toBe(300);
    for (const [i, range] of ranges.entries()) {
      if (i > 0) expect(range.start.offset).toBe(ranges[i - 1]?.end);
    }
    const split = await partitionedResult({ ...params, partitions: 3 });
    expectSameReport(split, await whole(params));
    expect(split.counts).toMatchObject({ read: 300, valid: 300, dropped: 0 });
    expect(split.categories.note?.distinct).toBe(300);
  });

  it('splits JSON Lines files, unreadable lines dropped in whichever partition has them', async () => {
    const rows = Array.from({ length: 90 }, (_, i) =>
      i % 30 === 3 ? '{broken' : JSON.stringify({ n: i, g: i % 3 }),
    );
    await writeFile(join(harness.dataDir, 'numbers.jsonl'), `${rows.join('\n')}\n`);
    const params = { input: 'numbers.jsonl', group_by: ['g'], chunk_size: 100 };
    const split = await partitionedResult({ ...params, partitions: 5 });
    expectSameReport(split, await whole(params));
    expect(split.counts).toMatchObject({ read: 90, dropped: 3, drop_reasons: { invalid_json: 3 } });
  });

  it('asks for at most the default MAX_BATCH_SIZE partitions, what a worker submits in one wait', () => {
    const params = (partitions: number) =>
      dataProcessing.params.safeParse({ input: { generate: { rows: 100 } }, partitions });
    expect(params(DEFAULT_MAX_BATCH_SIZE).success).toBe(true);
    expect(params(DEFAULT_MAX_BATCH_SIZE + 1).error?.issues[0]).toMatchObject({ path: ['partitions'] });
  });

  it('makes no more partitions than rows', async () => {
    const { children } = await partitioned({ input: [{ a: 1 }, { a: 2 }], partitions: 8 });
    expect(children).toHaveLength(2);
  });

  it('fails with CHILD_FAILED when a partition failed, naming its error', async () => {
    const { resume } = await partitioned(
      { input: { generate: { rows: 3000 } }, chunk_size: 1000, partitions: 3 },
      async (index, run) =>
        index === 1
          ? { task_id: 'child-1', status: 'failed', error: { code: 'WORKFLOW_ERROR', message: 'disk full' } }
          : { task_id: `child-${index}`, status: 'completed', result: await run() },
    );
    await expect(resume()).rejects.toMatchObject({
      code: 'CHILD_FAILED',
      retriable: false,
      message: '1 of 3 child tasks did not complete (first: task child-1, failed: disk full)',
    });
  });

  it('refuses a partition whose file changed since the parent split it', async () => {
    await writeFile(join(harness.dataDir, 'moving.csv'), 'a\n1\n2\n3\n4\n');
    const { children } = await partitioned({ input: 'moving.csv', partitions: 2 }, async (index) => ({
      task_id: `child-${index}`,
      status: 'completed',
      result: null,
    }));
    await writeFile(join(harness.dataDir, 'moving.csv'), 'a\n1\n2\n3\n4\n5\n');
    const services = await harness.servicesForTask('data_processing_partition');
    await expect(
      dataProcessingPartition.graph(children[0]?.params).run({}, { params: { services } }),
    ).rejects.toThrow('"moving.csv" changed while its partitions were processed');
  });
});
