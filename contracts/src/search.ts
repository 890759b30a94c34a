import { z } from 'zod';
import { storableText } from './common.ts';

/** Names of document indexes (the `index` param of document_indexing). */
export const IndexName = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_.-]+$/, 'index names use letters, digits, "_", "." and "-"');

/** `search` (tRPC) / `GET /search`: the top-k chunks of one of the caller's indexes. */
export const SearchDocumentsInput = z.strictObject({
  index: IndexName.default('default'),
  query: storableText(z.string().trim().min(1, 'query is required').max(1000)),
  k: z.number().int().min(1).max(50).default(5),
});
export type SearchDocumentsInput = z.input<typeof SearchDocumentsInput>;

export const SearchHit = z.object({
  document: z.string(),
  chunk_no: z.number().int(),
  content: z.string(),
  /** 0..1: a blend of vector similarity (0.7) and full-text rank (0.3). */
  score: z.number(),
  /** Cosine similarity of the hashing TF-IDF vectors. */
  vector_score: z.number(),
  /** Full-text rank relative to the best match of this query. */
  text_score: z.number(),
});
export type SearchHit = z.infer<typeof SearchHit>;

export const SearchDocumentsOutput = z.object({ index: z.string(), hits: z.array(SearchHit) });
export type SearchDocumentsOutput = z.infer<typeof SearchDocumentsOutput>;
