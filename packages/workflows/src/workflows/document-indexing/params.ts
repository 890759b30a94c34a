import { IndexName } from '@kaygraph/contracts/run-contracts';
import { z } from 'zod';

export const InlineDocument = z.object({
  name: z.string().min(1).max(300),
  content: z.string().max(10_000_000),
  /** Default: from the name's extension, else sniffed from the content. */
  format: z.enum(['text', 'markdown', 'html']).optional(),
});

/** How to give documents in the params instead of files (said when a file is missing). */
export const INLINE_DOCUMENTS =
  '"documents": [{"name": "doc1.md", "content": "the text"}] (text, markdown or HTML)';

export const DocumentIndexingParams = z
  .strictObject({
    /** File names under the data directory (.txt, .md, .html, .pdf) and/or inline documents. */
    documents: z
      .array(z.union([z.string().min(1).max(500), InlineDocument]))
      .min(1)
      .max(10_000),
    /** Most characters per chunk. */
    chunk_size: z.number().int().min(50).max(20_000).default(500),
    /** Characters shared by neighbouring chunks. */
    overlap: z.number().int().min(0).max(10_000).default(50),
    /** The index to write into; re-indexing a document replaces its chunks. */
    index: IndexName.default('default'),
  })
  .refine((params) => params.overlap < params.chunk_size, {
    message: 'overlap must be smaller than chunk_size',
    path: ['overlap'],
  });
export type DocumentIndexingParams = z.output<typeof DocumentIndexingParams>;

export const DocumentIndexingResult = z.object({
  index: z.string(),
  documents: z.array(
    z.object({
      name: z.string(),
      title: z.string().nullable(),
      format: z.string(),
      characters: z.number().int(),
      chunks: z.number().int(),
    }),
  ),
  chunks: z.number().int(),
  /** Chunks of earlier versions of these documents that were replaced. */
  replaced_chunks: z.number().int(),
  embedding: z.object({ kind: z.literal('hashing-tfidf'), dimensions: z.number().int() }),
  full_text: z.object({ chunks: z.number().int(), documents: z.number().int(), lexemes: z.number().int() }),
});
export type DocumentIndexingResult = z.output<typeof DocumentIndexingResult>;
