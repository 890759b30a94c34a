import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AbortedError, type ProgressReport } from '@kaygraph/graph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog, type DocumentIndexingResult, documentIndexing, searchDocuments } from '../src/index.ts';
import { minimalPdf } from '../src/lib/pdf-fixture.ts';
import { createHarness, type Harness } from './harness.ts';

let harness: Harness;
beforeAll(async () => {
  harness = await createHarness();
  await mkdir(join(harness.dataDir, 'docs'));
  await writeFile(
    join(harness.dataDir, 'docs', 'postgres.md'),
    [
      '# PostgreSQL durability',
      '',
      'PostgreSQL writes every change to the **write-ahead log** (WAL) before it touches the data files.',
      'After a crash, recovery replays the WAL from the last checkpoint, so committed transactions survive.',
      '',
      '## Checkpoints',
      '',
      'A checkpoint flushes dirty pages to disk and lets old WAL segments be recycled.',
    ].join('\n'),
  );
  await writeFile(
    join(harness.dataDir, 'docs', 'bread.html'),
    `<html><head><title>Sourdough</title><style>body{}</style></head><body>
     <h1>Baking sourdough bread</h1><p>Feed the starter, mix flour and water, and let the dough ferment overnight.</p>
     <p>Bake at high heat in a covered pot for a crisp crust &amp; an open crumb.</p></body></html>`,
  );
});
afterAll(() => harness[Symbol.asyncDispose]());

async function index(params: unknown, owner = 'tester') {
  const services = await harness.servicesForTask('document_indexing', owner);
  const shared: { result?: unknown } = {};
  const progress: ProgressReport[] = [];
  await documentIndexing
    .graph(params)
    .run(shared, { params: { services }, onProgress: (p) => progress.push(p) });
  return { result: documentIndexing.result?.parse(shared.result) as DocumentIndexingResult, progress };
}

const garden = {
  name: 'garden.txt',
  content:
    'Tomatoes need full sun and regular watering. Prune the side shoots and tie the stems to stakes. ' +
    'Harvest when the fruit is evenly red. Compost improves the soil between seasons.',
};

describe('document_indexing', () => {
  it('indexes PDF files, as in the spec example ["doc1.pdf", "doc2.pdf"]', async () => {
    await writeFile(
      join(harness.dataDir, 'doc1.pdf'),
      minimalPdf('Vacuum', [
        'Autovacuum removes dead tuples left by updates.',
        'Freezing old rows prevents wraparound.',
      ]),
    );
    await writeFile(
      join(harness.dataDir, 'doc2.pdf'),
      minimalPdf('Indexes', ['A B-tree index keeps keys sorted for range scans.']),
    );
    const { result } = await index({ documents: ['doc1.pdf', 'doc2.pdf'], chunk_size: 500, index: 'pdfs' });
    expect(result.documents.map((d) => [d.name, d.title, d.format, d.chunks])).toEqual([
      ['doc1.pdf', 'Vacuum', 'pdf', 1],
      ['doc2.pdf', 'Indexes', 'pdf', 1],
    ]);
    const hits = await searchDocuments(harness.sql, 'tester', {
      index: 'pdfs',
      query: 'transaction id wraparound freezing',
    });
    expect(hits.hits[0]?.document).toBe('doc1.pdf');
    await writeFile(join(harness.dataDir, 'broken.pdf'), 'not a pdf');
    await expect(index({ documents: ['broken.pdf'] })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
  });

  it('is also known as rag_indexing and takes the spec example params', () => {
    expect(catalog.get('rag_indexing')).toBe(documentIndexing);
    expect(
      documentIndexing.params.parse({ documents: ['doc1.md', 'doc2.md'], chunk_size: 500 }),
    ).toMatchObject({
      overlap: 50,
      index: 'default',
    });
    expect(() => documentIndexing.params.parse({ documents: ['a'], chunk_size: 100, overlap: 100 })).toThrow(
      /overlap/,
    );
  });

  it('indexes files and inline documents, and search ranks the relevant document first', async () => {
    const { result, progress } = await index({
      documents: ['docs/postgres.md', 'docs/bread.html', garden],
      chunk_size: 120,
      overlap: 30,
      index: 'kb',
    });
    expect(result.documents.map((d) => [d.name, d.title, d.format])).toEqual([
      ['docs/postgres.md', 'PostgreSQL durability', 'markdown'],
      ['docs/bread.html', 'Sourdough', 'html'],
      ['garden.txt', null, 'text'],
    ]);
    expect(result.documents.every((d) => d.chunks >= 2)).toBe(true);
    expect(result.chunks).toBe(result.documents.reduce((sum, d) => sum + d.chunks, 0));
    expect(result.full_text).toMatchObject({ documents: 3, chunks: result.chunks });
    expect(result.full_text.lexemes).toBeGreaterThan(30);
    const steps = new Set(progress.map((p) => p.step));
    for (const step of [
      'Extract text from documents',
      'Chunk into passages',
      'Generate embeddings',
      'Build vector index',
      'Update search index',
    ]) {
      expect(steps).toContain(step);
    }

    const wal = await searchDocuments(harness.sql, 'tester', {
      index: 'kb',
      query: 'how is a crash recovered from the log?',
      k: 3,
    });
    expect(wal.hits[0]?.document).toBe('docs/postgres.md');
    expect(wal.hits[0]?.score).toBeGreaterThan(
      wal.hits.find((h) => h.document !== 'docs/postgres.md')?.score ?? 0,
    );
    const baking = await searchDocuments(harness.sql, 'tester', {
      index: 'kb',
      query: 'sourdough starter fermentation',
    });
    expect(baking.hits[0]?.document).toBe('docs/bread.html');
    expect(baking.hits[0]?.content).not.toMatch(/<|style/);
    const tomatoes = await searchDocuments(harness.sql, 'tester', { index: 'kb', query: 'growing tomatoes' });
    expect(tomatoes.hits[0]?.document).toBe('garden.txt');
    // another owner's search sees nothing of this index
    expect(
      (await searchDocuments(harness.sql, 'intruder', { index: 'kb', query: 'sourdough' })).hits,
    ).toEqual([]);
  });

  it('replaces the chunks of a re-indexed document', async () => {
    const first = await index({ documents: [garden], index: 'replace', chunk_size: 60, overlap: 0 });
    const second = await index({
      documents: [{ name: 'garden.txt', content: 'Potatoes grow in cool weather.' }],
      index: 'replace',
    });
    expect(second.result.replaced_chunks).toBe(first.result.chunks);
    expect(second.result.full_text).toMatchObject({ documents: 1, chunks: 1 });
    const hits = (
      await searchDocuments(harness.sql, 'tester', { index: 'replace', query: 'tomatoes potatoes' })
    ).hits;
    expect(hits.map((h) => h.content)).toEqual(['Potatoes grow in cool weather.']);
  });

  it('refuses files outside the data directory and stops when cancelled', async () => {
    await expect(index({ documents: ['../outside.md'] })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
    const services = await harness.servicesForTask('document_indexing');
    const controller = new AbortController();
    const many = Array.from({ length: 50 }, (_, i) => ({
      name: `doc-${i}.txt`,
      content: `document number ${i} `.repeat(50),
    }));
    const running = documentIndexing.graph({ documents: many, index: 'cancelled' }).run(
      {},
      {
        params: { services },
        signal: controller.signal,
        onProgress: (p) => {
          if (p.step === 'Extract text from documents' && p.message?.startsWith('3 of')) controller.abort();
        },
      },
    );
    await expect(running).rejects.toBeInstanceOf(AbortedError);
    expect((await services.documents.fullTextStats('cancelled')).chunks).toBe(0);
  });
});
