import type { SearchDocumentsInput, SearchDocumentsOutput } from '@kaygraph/contracts';
import type { Connection } from '@kaygraph/db';
import type { Caller } from '@kaygraph/tasks';
import { searchDocuments } from '@kaygraph/workflows';

/** Search over the document indexes that `document_indexing` tasks build (the `search` procedure). */
export interface DocumentSearch {
  /** The top-k chunks of one of the caller's own indexes, best first. */
  search(caller: Caller, input: SearchDocumentsInput): Promise<SearchDocumentsOutput>;
}

/**
 * Document search on a postgres.js client (searchDocuments runs raw SQL with explicit casts, so a
 * drizzle-configured client is fine). Every caller, admins included, searches the indexes its own
 * tasks built: an index name means something only within one owner.
 */
export function createDocumentSearch(sql: Connection['sql']): DocumentSearch {
  return { search: (caller, input) => searchDocuments(sql, caller.owner, input) };
}
