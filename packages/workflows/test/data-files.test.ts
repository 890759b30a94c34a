import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AnyWorkflow,
  dataProcessing,
  documentIndexing,
  modelTraining,
  resolveDataFile,
} from '../src/index.ts';
import { createHarness, type Harness } from './harness.ts';

let harness: Harness;
beforeAll(async () => {
  harness = await createHarness();
  await writeFile(join(harness.dataDir, 'sales.csv'), 'region,amount\nNorth,10\n');
  await writeFile(join(harness.dataDir, 'notes.txt'), 'a note');
  await writeFile(join(harness.dataDir, '.hidden.csv'), 'a\n1\n');
  await mkdir(join(harness.dataDir, 'archive'));
  await writeFile(join(harness.dataDir, 'archive', '2024.csv'), 'a\n1\n');
});
afterAll(() => harness[Symbol.asyncDispose]());

/** The error a run of the workflow fails with (reading files from `dataDir`, the harness's unless given). */
async function failureOf(
  workflow: AnyWorkflow,
  params: unknown,
  dataDir = harness.dataDir,
): Promise<{ code: string; message: string }> {
  const services = { ...(await harness.servicesForTask(workflow.name)), dataDir };
  const error = await workflow
    .graph(params)
    .run({}, { params: { services } })
    .catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(Error);
  return error as { code: string; message: string };
}

describe("the spec's file examples, when the file is not there", () => {
  it('data_processing {"input": "data"} says where files are read from, which are there, and how to inline', async () => {
    const { code, message } = await failureOf(dataProcessing, { input: 'data' });
    expect(code).toBe('NOT_FOUND');
    expect(message).toContain(`no file "data" in the data directory ${harness.dataDir}`);
    expect(message).toContain('.csv, .tsv, .jsonl, .ndjson, .json are tried');
    expect(message).toContain('Files there: "sales.csv", "archive/2024.csv".');
    expect(message).not.toContain('hidden');
    expect(message).toContain('pass the content inline: "input": [{"region": "North", "amount": 10}, ...]');
  });

  it('document_indexing ["doc1.pdf", "doc2.pdf"] lists the documents there and the inline form', async () => {
    const { code, message } = await failureOf(documentIndexing, { documents: ['doc1.pdf', 'doc2.pdf'] });
    expect(code).toBe('NOT_FOUND');
    expect(message).toContain(`no file "doc1.pdf" in the data directory ${harness.dataDir}`);
    expect(message).toContain('Files there: "notes.txt".');
    expect(message).toContain('"documents": [{"name": "doc1.md", "content": "the text"}]');
  });

  it('model_training with a missing CSV shows the inline and generated forms', async () => {
    const { message } = await failureOf(modelTraining, { dataset: 'iris' });
    expect(message).toContain('Files there: "sales.csv", "archive/2024.csv".');
    expect(message).toContain('"dataset": {"generate": {"rows": 1000}}');
  });

  it('says so when the data directory is missing or not configured, never failing as a retriable error', async () => {
    const missing = join(harness.dataDir, 'not-created');
    await expect(resolveDataFile(missing, 'data', ['.csv'], '"input": [...]')).rejects.toMatchObject({
      code: 'NOT_FOUND',
      retriable: false,
      message: `no file "data": the data directory ${missing} does not exist; create it and put the file there, or pass the content inline: "input": [...]`,
    });
    await expect(resolveDataFile(null, 'data', ['.csv'], '"input": [...]')).rejects.toMatchObject({
      code: 'INVALID_PARAMS',
      message: expect.stringContaining('pass the content inline: "input": [...]'),
    });
  });

  it('says when the directory holds no file of a readable kind', async () => {
    const empty = join(harness.dataDir, 'archive');
    await expect(resolveDataFile(empty, 'report', ['.md', '.txt'])).rejects.toMatchObject({
      message: expect.stringContaining('It holds no .md, .txt files. Put the file there.'),
    });
  });
});

describe('the embedded database beside the data files (npm start keeps it in DATA_DIR/postgres)', () => {
  let dataDir: string;
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  /** A data directory holding a PostgreSQL cluster whose log a task could parse as a training CSV. */
  async function dataDirWithCluster(): Promise<string> {
    dataDir = await mkdtemp(join(tmpdir(), 'kg-workflow-cluster-'));
    await mkdir(join(dataDir, 'postgres', 'log'), { recursive: true });
    await writeFile(join(dataDir, 'postgres', 'PG_VERSION'), '17\n');
    const rows = ['label,x', 'another-owners-secret,1', 'and-another,2', 'another-owners-secret,3'];
    await writeFile(join(dataDir, 'postgres', 'postgres.log'), `${rows.join('\n')}\n`);
    await writeFile(join(dataDir, 'postgres', 'log', 'postgresql.csv'), `${rows.join('\n')}\n`);
    await writeFile(join(dataDir, 'sales.csv'), 'region,amount\nNorth,10\n');
    return dataDir;
  }

  it("refuses to read the database's files, and lists none of them", async () => {
    await dataDirWithCluster();
    const training = await failureOf(modelTraining, { dataset: 'postgres/postgres.log' }, dataDir);
    expect(training).toMatchObject({
      code: 'INVALID_PARAMS',
      message: '"postgres/postgres.log" is in a PostgreSQL data directory, which tasks may not read',
    });
    const processing = await failureOf(dataProcessing, { input: 'postgres/log/postgresql.csv' }, dataDir);
    expect(processing.code).toBe('INVALID_PARAMS');
    const missing = await failureOf(dataProcessing, { input: 'data' }, dataDir);
    expect(missing.message).toContain('Files there: "sales.csv".');
  });
});
