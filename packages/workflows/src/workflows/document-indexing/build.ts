import { Node } from '@kaygraph/graph';
import { EMBEDDING_DIMENSIONS, embed } from '../../lib/embed.ts';
import { servicesOf, throwIfAborted, yieldToEventLoop } from '../../run-params.ts';
import type { DocumentIndexingParams, DocumentIndexingResult } from './params.ts';
import { type IndexingShared, required, type SparseVector, STEP, toDense, toSparse } from './state.ts';

/** Progress and cancellation granularity of the embedding step. */
const EMBED_BATCH = 200;

export class GenerateEmbeddings extends Node<
  IndexingShared,
  Record<string, string[]>,
  Record<string, SparseVector[]>
> {
  constructor() {
    super({ id: 'embed', step: STEP.embed });
  }

  override prep(shared: IndexingShared): Record<string, string[]> {
    return required(shared.chunks, 'chunks');
  }

  override async exec(chunks: Record<string, string[]>): Promise<Record<string, SparseVector[]>> {
    const total = Object.values(chunks).reduce((sum, list) => sum + list.length, 0);
    const embeddings: Record<string, SparseVector[]> = {};
    let done = 0;
    for (const [name, passages] of Object.entries(chunks)) {
      const vectors: SparseVector[] = [];
      for (const passage of passages) {
        vectors.push(toSparse(embed(passage)));
        done++;
        if (done % EMBED_BATCH === 0) {
          await yieldToEventLoop();
          throwIfAborted(this.ctx.signal);
          this.ctx.progress({
            step: STEP.embed,
            percent: (done / total) * 100,
            message: `${done} of ${total} passages`,
          });
        }
      }
      embeddings[name] = vectors;
    }
    this.ctx.progress({
      step: STEP.embed,
      percent: 100,
      message: `${total} passages embedded (hashing TF-IDF, ${EMBEDDING_DIMENSIONS} dimensions)`,
    });
    return embeddings;
  }

  override post(shared: IndexingShared, _prep: unknown, embeddings: Record<string, SparseVector[]>): void {
    shared.embeddings = embeddings;
  }
}

/** Writes each document's passages and vectors, replacing any earlier version of the document. */
export class BuildVectorIndex extends Node<IndexingShared, IndexingShared, number> {
  readonly config: DocumentIndexingParams;

  constructor(config: DocumentIndexingParams) {
    super({ id: 'vector_index', step: STEP.vector });
    this.config = config;
  }

  override prep(shared: IndexingShared): IndexingShared {
    return shared;
  }

  override async exec(shared: IndexingShared): Promise<number> {
    const services = servicesOf(this);
    const documents = required(shared.documents, 'documents');
    const chunks = required(shared.chunks, 'chunks');
    const embeddings = required(shared.embeddings, 'embeddings');
    let replaced = 0;
    for (const [i, document] of documents.entries()) {
      throwIfAborted(this.ctx.signal);
      const passages = chunks[document.name] ?? [];
      const vectors = embeddings[document.name] ?? [];
      const { removed } = await services.documents.replaceDocument(
        this.config.index,
        document.name,
        passages.map((content, chunkNo) => ({
          chunkNo,
          content,
          embedding: toDense(vectors[chunkNo] ?? { i: [], v: [] }, EMBEDDING_DIMENSIONS),
        })),
        this.ctx.signal,
      );
      replaced += removed;
      this.ctx.progress({
        step: STEP.vector,
        percent: ((i + 1) / documents.length) * 100,
        message: `${i + 1} of ${documents.length} documents written to index "${this.config.index}"`,
      });
    }
    return replaced;
  }

  override post(shared: IndexingShared, _prep: IndexingShared, replaced: number): void {
    shared.replacedChunks = replaced;
    shared.embeddings = undefined;
    shared.chunks = undefined;
  }
}

/**
 * The full-text side: PostgreSQL derives each chunk's tsvector (a generated column under a GIN
 * index) as it is written; this step refreshes the planner statistics after the bulk write (so
 * searches pick the GIN index) and reads back what the index now holds for the result.
 */
export class UpdateSearchIndex extends Node<IndexingShared, IndexingShared, DocumentIndexingResult> {
  readonly config: DocumentIndexingParams;

  constructor(config: DocumentIndexingParams) {
    super({ id: 'search_index', step: STEP.fullText });
    this.config = config;
  }

  override prep(shared: IndexingShared): IndexingShared {
    return shared;
  }

  override async exec(shared: IndexingShared): Promise<DocumentIndexingResult> {
    this.ctx.progress({ step: STEP.fullText, percent: 0, message: 'refreshing the search statistics' });
    const { documents: store } = servicesOf(this);
    await store.analyze();
    this.ctx.progress({ step: STEP.fullText, percent: 50, message: 'reading the full-text index' });
    const fullText = await store.fullTextStats(this.config.index);
    this.ctx.progress({
      step: STEP.fullText,
      percent: 100,
      message: `index "${this.config.index}": ${fullText.documents} documents, ${fullText.chunks} chunks, ${fullText.lexemes} distinct terms`,
    });
    const documents = required(shared.documents, 'documents');
    return {
      index: this.config.index,
      documents,
      chunks: documents.reduce((sum, d) => sum + d.chunks, 0),
      replaced_chunks: shared.replacedChunks ?? 0,
      embedding: { kind: 'hashing-tfidf', dimensions: EMBEDDING_DIMENSIONS },
      full_text: fullText,
    };
  }

  override post(shared: IndexingShared, _prep: IndexingShared, result: DocumentIndexingResult): void {
    shared.result = result;
  }
}
