import { startTestServer, type TestServer } from '@kaygraph/api/testing';
import type { SearchHit } from '@kaygraph/contracts';
import { afterAll, beforeAll, expect, expectTypeOf, test } from 'vitest';
import { type BuiltinWorkflows, createClient } from '../src/index.ts';

let server: TestServer;

beforeAll(async () => {
  // The built-in workflows, and operations (document search among them) as `npm start` wires them.
  server = await startTestServer({ workflowsModule: '@kaygraph/workflows/catalog', operations: {} });
});
afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
});

test('typed client: index documents with document_indexing, then search them', async () => {
  using client = createClient<BuiltinWorkflows>({ url: server.url });
  const indexed = await client.submitAndWait({
    workflow: 'document_indexing',
    params: {
      index: 'notes',
      documents: [
        {
          name: 'queue.txt',
          content: 'pg-boss keeps jobs in PostgreSQL and wakes workers with LISTEN/NOTIFY.',
        },
        { name: 'garden.txt', content: 'Tomatoes need sun, water every morning, and a stake to climb.' },
      ],
    },
  });
  expect(indexed.status).toBe('completed');
  expect(indexed.result?.chunks).toBeGreaterThanOrEqual(2);

  const { index, hits } = await client.search.query({
    index: 'notes',
    query: 'how are workers woken up?',
    k: 2,
  });
  expectTypeOf(hits).toEqualTypeOf<SearchHit[]>();
  expect(index).toBe('notes');
  expect(hits[0]?.document).toBe('queue.txt');
  // @ts-expect-error query is required
  const misuse = () => client.search.query({ index: 'notes' });
  expect(typeof misuse).toBe('function');
});

test('typed client: download the CSV artifact a data_processing task stored', async () => {
  using client = createClient<BuiltinWorkflows>({ url: server.url });
  const done = await client.submitAndWait({
    workflow: 'data_processing',
    params: { input: { generate: { rows: 40, seed: 3 } } },
  });
  expect(done.status).toBe('completed');
  const view = await client.tasks.get.query({ task_id: done.task_id });
  const listed = view.artifacts.find((a) => a.name === 'summary.csv');
  expect(listed).toBeDefined();
  const artifact = await client.artifact(done.task_id, 'summary.csv');
  expect(artifact.contentType).toContain('text/csv');
  expect(artifact.bytes.byteLength).toBe(listed?.size);
  await expect(client.artifact(done.task_id, 'missing.csv')).rejects.toMatchObject({
    status: 404,
    body: { code: 'NOT_FOUND' },
  });

  // The same bytes as a stream, then resumed from an offset of that version.
  const streamed = await client.artifactStream(done.task_id, 'summary.csv');
  expect(streamed).toMatchObject({ size: listed?.size, offset: 0, etag: expect.stringMatching(/^"/) });
  const whole = new Uint8Array(await new Response(streamed.body).arrayBuffer());
  expect(whole).toEqual(artifact.bytes);
  const resumed = await client.artifactStream(done.task_id, 'summary.csv', {
    offset: 10,
    ifRange: streamed.etag,
  });
  expect(resumed).toMatchObject({ size: listed?.size, offset: 10 });
  expect(new Uint8Array(await new Response(resumed.body).arrayBuffer())).toEqual(artifact.bytes.subarray(10));
  await expect(
    client.artifactStream(done.task_id, 'summary.csv', { offset: listed?.size ?? 0 }),
  ).rejects.toMatchObject({ status: 416, body: { code: 'RANGE_NOT_SATISFIABLE' } });
});
