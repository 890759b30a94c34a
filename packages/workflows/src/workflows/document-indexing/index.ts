import { Graph } from '@kaygraph/graph';
import { builtinWorkflow } from '../../builtin-workflow.ts';
import { defineWorkflow } from '../../define.ts';
import { chain } from '../../run-params.ts';
import { BuildVectorIndex, GenerateEmbeddings, UpdateSearchIndex } from './build.ts';
import { ChunkPassages, ExtractText } from './extract.ts';
import { DocumentIndexingParams, DocumentIndexingResult } from './params.ts';
import type { IndexingShared } from './state.ts';

export const documentIndexing = builtinWorkflow(
  defineWorkflow({
    name: 'document_indexing',
    aliases: ['rag_indexing'],
    description:
      'RAG indexing: extracts text from text, markdown and HTML documents, chunks it with overlap, embeds the ' +
      'passages (local hashing TF-IDF), writes them to the vector index in PostgreSQL and updates the full-text ' +
      'index; query it with the search procedure.',
    params: DocumentIndexingParams,
    result: DocumentIndexingResult,
    defaults: { max_retries: 3, timeout_seconds: 3600 },
    graph: (params) =>
      new Graph<IndexingShared>(
        chain<IndexingShared>(
          new ExtractText(params),
          new ChunkPassages(params),
          new GenerateEmbeddings(),
          new BuildVectorIndex(params),
          new UpdateSearchIndex(params),
        ),
      ),
  }),
);

export { DocumentIndexingParams, DocumentIndexingResult } from './params.ts';
