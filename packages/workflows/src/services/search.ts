import { SearchDocumentsInput, type SearchDocumentsOutput } from '@kaygraph/contracts';
import type postgres from 'postgres';
import { createPostgresDocumentStore } from './postgres-documents.ts';

/**
 * The search procedure behind `documents.search`: top-k chunks of one of the owner's indexes,
 * scored by a blend of TF-IDF vector similarity and PostgreSQL full-text rank.
 *
 * @example
 * const { hits } = await searchDocuments(sql, caller.owner, { index: 'kb', query: 'write-ahead log', k: 5 });
 */
export async function searchDocuments(
  sql: postgres.Sql,
  owner: string,
  input: SearchDocumentsInput,
): Promise<SearchDocumentsOutput> {
  const { index, query, k } = SearchDocumentsInput.parse(input);
  const hits = await createPostgresDocumentStore(sql, { owner, taskId: null }).search(index, query, k);
  return { index, hits };
}
