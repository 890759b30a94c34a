import { DomainError, SearchDocumentsInput, SearchDocumentsOutput } from '@kaygraph/contracts';
import { restOperations } from '../rest-meta.ts';
import { authedProcedure } from '../trpc.ts';

const rest = restOperations('');

/**
 * `search` / `GET /search`: the top-k chunks of one of the caller's document indexes (built by
 * `document_indexing` tasks), scored by TF-IDF similarity blended with PostgreSQL full-text rank.
 */
export const searchProcedure = authedProcedure
  .meta(
    rest.op('search', {
      openapi: {
        method: 'GET',
        path: '/search',
        tags: ['search'],
        summary: 'Search indexed documents',
        description:
          'The top-k chunks of one of your document indexes (built by `document_indexing` tasks, param ' +
          '`index`), best first: `score` blends the TF-IDF cosine similarity (0.7) with the full-text ' +
          'rank (0.3). An index with no documents answers an empty `hits`.',
      },
    }),
  )
  .input(SearchDocumentsInput)
  .output(SearchDocumentsOutput)
  .query(({ ctx, input }) => {
    const documents = ctx.services.search;
    if (!documents) throw new DomainError('UNAVAILABLE', 'this api was started without document search');
    return documents.search(ctx.caller, input);
  });

/** The search procedure's REST operation (rest-operations.ts). */
export const searchRest = rest.table;
