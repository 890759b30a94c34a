import { execFile } from 'node:child_process';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AbortedError, type Checkpoint, type ProgressReport } from '@kaygraph/graph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DataProcessingResult, dataProcessing } from '../src/index.ts';
import { CsvParser } from '../src/lib/csv.ts';
import { createHarness, type Harness } from './harness.ts';

let harness: Harness;
beforeAll(async () => {
  harness = await createHarness();
});
afterAll(() => harness[Symbol.asyncDispose]());

const STEPS = [
  'Load large dataset',
  'Validate and clean data',
  'Transform and enrich',
  'Generate reports',
  'Store results',
];

async function run(params: unknown, options: { onProgress?: (p: ProgressReport) => void } = {}) {
  const services = await harness.servicesForTask('data_processing');
  const shared: { result?: unknown } = {};
  await dataProcessing.graph(params).run(shared, { params: { services }, onProgress: options.onProgress });
  return {
    result: dataProcessing.result?.parse(shared.result) as DataProcessingResult,
    taskId: services.taskId,
  };
}

function parseCsv(text: string): string[][] {
  const parser = new CsvParser();
  return [...parser.push(new TextEncoder().encode(text)), ...parser.end()].map((r) => r.fields);
}

describe('data_processing', () => {
  it('cleans inline records (repairs and drops, with counts), derives fields and aggregates per group', async () => {
    const records = [
      { city: 'Oslo', units: '3', price: '10.00', sold_on: '2025-01-05' },
      { city: ' oslo ', units: 2, price: '$1,000.50', sold_on: '2025/01/20' }, // repaired: city, price, date
      { city: 'Bergen', units: 1, price: 5, sold_on: '2025-02-01' },
      { city: 'Bergen', units: -1, price: 5, sold_on: '2025-02-02' }, // dropped: units < 1
      { city: 'Paris', units: 1, price: 5, sold_on: '2025-02-03' }, // dropped: city not allowed
      { city: 'Bergen', units: 4, price: 2.5 }, // sold_on optional
      { units: 1, price: 1 }, // dropped: city missing
    ];
    const progress: ProgressReport[] = [];
    const { result, taskId } = await run(
      {
        input: records,
        schema: {
          fields: [
            { name: 'city', type: 'string', required: true, values: ['Oslo', 'Bergen'] },
            { name: 'units', type: 'integer', required: true, min: 1 },
            { name: 'price', type: 'number', required: true },
            { name: 'sold_on', type: 'date' },
          ],
        },
        derive: [{ name: 'revenue', op: 'multiply', left: 'units', right: 'price' }],
        group_by: ['city'],
        chunk_size: 100,
      },
      { onProgress: (p) => progress.push(p) },
    );
    expect(result.counts).toEqual({
      read: 7,
      valid: 4,
      repaired: 1,
      dropped: 3,
      drop_reasons: { 'out_of_range:units': 1, 'not_allowed:city': 1, 'missing:city': 1 },
      repairs_by_field: { city: 1, price: 1, sold_on: 1 },
    });
    expect(result.summary.revenue).toMatchObject({ count: 4, sum: 30 + 2001 + 5 + 10, min: 5, max: 2001 });
    expect(result.groups).toEqual([
      {
        key: { city: 'Bergen' },
        count: 2,
        sums: { units: 5, price: 7.5, revenue: 15 },
        means: { units: 2.5, price: 3.75, revenue: 7.5 },
      },
      {
        key: { city: 'Oslo' },
        count: 2,
        sums: { units: 5, price: 1010.5, revenue: 2031 },
        means: { units: 2.5, price: 505.25, revenue: 1015.5 },
      },
    ]);
    expect(result.categories.sold_on_month?.top).toEqual([
      { value: '2025-01', count: 2 },
      { value: '2025-02', count: 1 },
    ]);
    const steps = new Set(progress.map((p) => p.step));
    for (const step of STEPS) expect(steps).toContain(step);
    expect(progress.at(-1)?.percent).toBe(100);

    expect(result.artifacts.map((a) => a.name)).toEqual(['summary.csv', 'groups.csv']);
    const groups = await harness.artifact(taskId, 'groups.csv');
    expect(groups?.contentType).toBe('text/csv');
    expect(parseCsv(groups?.text ?? '')).toEqual([
      ['city', 'count', 'units_sum', 'units_mean', 'price_sum', 'price_mean', 'revenue_sum', 'revenue_mean'],
      ['Bergen', '2', '5', '2.5', '7.5', '3.75', '15', '7.5'],
      ['Oslo', '2', '5', '2.5', '1010.5', '505.25', '2031', '1015.5'],
    ]);
  });

  it('streams a CSV file from the data directory, infers its schema, and a resumed run gives the same result', async () => {
    const lines = ['region,amount,day'];
    for (let i = 0; i < 5000; i++) {
      const amount = i % 97 === 0 ? 'n/a' : String((i % 13) + 0.5);
      lines.push(
        `${['"North, upper"', 'South'][i % 2]},${amount},2025-03-${String((i % 28) + 1).padStart(2, '0')}`,
      );
    }
    await writeFile(join(harness.dataDir, 'amounts.csv'), `${lines.join('\r\n')}\r\n`);
    const params = { input: 'amounts', group_by: ['region'], chunk_size: 500 };
    const whole = await run(params);
    expect(whole.result.source).toEqual({ kind: 'csv', name: 'amounts' });
    expect(whole.result.fields.slice(0, 3)).toEqual([
      { name: 'region', type: 'string' },
      { name: 'amount', type: 'number' },
      { name: 'day', type: 'date' },
    ]);
    expect(whole.result.counts.read).toBe(5000);
    expect(whole.result.groups.map((g) => [g.key.region, g.count])).toEqual([
      ['North, upper', 2500],
      ['South', 2500],
    ]);
    // "n/a" cannot be repaired into a number; the column is not required, so the row stays with amount null
    expect(whole.result.summary.amount?.count).toBe(5000 - Math.ceil(5000 / 97));

    // interrupt after the third slice of the streaming pass, then resume from that checkpoint
    const services = await harness.servicesForTask('data_processing');
    const controller = new AbortController();
    let saved: Checkpoint<object> | undefined;
    const interrupted = dataProcessing.graph(params).run(
      {},
      {
        params: { services },
        signal: controller.signal,
        onCheckpoint: (checkpoint) => {
          saved = JSON.parse(JSON.stringify(checkpoint));
          if (checkpoint.completedSteps === 4) controller.abort(new Error('worker stopped'));
        },
      },
    );
    await expect(interrupted).rejects.toBeInstanceOf(AbortedError);
    expect(saved?.nextNodeId).toBe('process_4');
    const resumed: { result?: unknown } = {};
    await dataProcessing
      .graph(params)
      .run(resumed, { params: { services }, resumeFrom: saved as Checkpoint<{ result?: unknown }> });
    expect({ ...(resumed.result as DataProcessingResult), artifacts: [] }).toEqual({
      ...whole.result,
      artifacts: [],
    });
  });

  it('reads a tab-separated file with a byte-order mark', async () => {
    await writeFile(join(harness.dataDir, 'export.tsv'), '\uFEFFname\tscore\nana\t3\nbo\t4\n');
    const { result } = await run({ input: 'export' });
    expect(result.fields).toEqual([
      { name: 'name', type: 'string' },
      { name: 'score', type: 'integer' },
    ]);
    expect(result.summary.score?.sum).toBe(7);
  });

  it('reads JSON and JSON Lines files, counting unparsable lines as dropped', async () => {
    await writeFile(
      join(harness.dataDir, 'rows.json'),
      JSON.stringify([{ a: 1 }, { a: 2 }, { a: 'x' }, 'text']),
    );
    await writeFile(join(harness.dataDir, 'rows.jsonl'), '{"a":1}\n{oops\n{"a":3}\n');
    const json = await run({
      input: 'rows.json',
      schema: { fields: [{ name: 'a', type: 'number', required: true }] },
    });
    expect(json.result.counts).toMatchObject({
      read: 4,
      valid: 2,
      dropped: 2,
      drop_reasons: { 'invalid:a': 1, not_an_object: 1 },
    });
    const jsonl = await run({ input: 'rows.jsonl' });
    expect(jsonl.result.counts).toMatchObject({
      read: 3,
      valid: 2,
      dropped: 1,
      drop_reasons: { invalid_json: 1 },
    });
    expect(jsonl.result.summary.a?.sum).toBe(4);
  });

  it('refuses files outside the data directory and unknown group fields', async () => {
    await mkdir(join(harness.dataDir, 'nested'), { recursive: true });
    await symlink('/etc/passwd', join(harness.dataDir, 'nested', 'passwd.csv'));
    await expect(run({ input: '../etc/passwd' })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
    await expect(run({ input: 'nested/passwd.csv' })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
    await expect(run({ input: 'missing.csv' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(run({ input: [{ a: 1 }], group_by: ['b'] })).rejects.toMatchObject({
      code: 'INVALID_PARAMS',
    });
  });

  it('lets an abort from a timer through within a batch or two (rows that never wait on I/O)', async () => {
    // In a worker thread a cancel arrives as a message, a macrotask: the pass must yield to receive it.
    const services = await harness.servicesForTask('data_processing');
    const controller = new AbortController();
    const seen: number[] = [];
    const running = dataProcessing
      .graph({ input: { generate: { rows: 10_000_000, seed: 1 } }, chunk_size: 1000 })
      .run(
        {},
        {
          params: { services },
          signal: controller.signal,
          onProgress: (p) => {
            const rows = Number(/^([\d,]+) of/.exec(p.message ?? '')?.[1]?.replaceAll(',', ''));
            if (!Number.isFinite(rows)) return;
            seen.push(rows);
            if (seen.length === 1) setTimeout(() => controller.abort(new Error('cancelled')), 0);
          },
        },
      );
    await expect(running).rejects.toBeInstanceOf(AbortedError);
    expect(Math.max(...seen) - (seen[0] ?? 0)).toBeLessThanOrEqual(3000);
  });

  it('stops within one batch when cancelled, before any result is stored', async () => {
    const services = await harness.servicesForTask('data_processing');
    const controller = new AbortController();
    const messages: string[] = [];
    const running = dataProcessing
      .graph({ input: { generate: { rows: 10_000_000, seed: 1 } }, chunk_size: 1000 })
      .run(
        {},
        {
          params: { services },
          signal: controller.signal,
          onProgress: (p) => {
            if (p.message?.includes(' rows: ')) {
              messages.push(p.message);
              controller.abort(new Error('cancelled'));
            }
          },
        },
      );
    await expect(running).rejects.toBeInstanceOf(AbortedError);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/^1,000 of 10,000,000 rows:/);
    expect(await harness.artifact(services.taskId, 'summary.csv')).toBeUndefined();
  });

  it('processes one million generated rows in bounded memory (a 64 MB heap)', async () => {
    const services = await harness.servicesForTask('data_processing');
    const script = join(import.meta.dirname, 'fixtures', 'run-generated.ts');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--max-old-space-size=64', script, harness.databaseUrl, services.taskId, 'tester', '1000000'],
      { cwd: import.meta.dirname, maxBuffer: 1024 * 1024 },
    );
    const output = JSON.parse(stdout);
    expect(output.heapLimitMb).toBe(64);
    expect(output.monotonic).toBe(true);
    expect(output.counts.read).toBe(1_000_000);
    expect(output.counts.valid + output.counts.dropped).toBe(1_000_000);
    expect(output.counts.dropped).toBeGreaterThan(0);
    expect(output.artifacts.map((a: { name: string }) => a.name)).toEqual(['summary.csv', 'groups.csv']);
    const groups = await harness.artifact(services.taskId, 'groups.csv');
    expect(parseCsv(groups?.text ?? '')).toHaveLength(1 + 20);
  }, 180_000);
});
