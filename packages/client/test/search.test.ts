import { startTestServer, type TestServer } from '@kaygraph/api/testing';
import type { SearchHit } from '@kaygraph/contracts';
import { afterAll, beforeAll, expect, expectTypeOf, test } from 'vitest';
import { createClient } from '../src/index.ts';

let server: TestServer;

beforeAll(async () => {
  // The built-in workflows, and operations (document search among them) as `npm start` wires them.
  server = await startTestServer({ workflowsModule: '@kaygraph/workflows/catalog', operations: {} });
});
afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
});

test('typed client: index documents with document_indexing, then search them', async () => {
  using client = createClient({ url: server.url });
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
