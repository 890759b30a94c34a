import { AbortedError } from '@kaygraph/graph';
import type postgres from 'postgres';
import { searchChunks } from './postgres-search.ts';
import type { DocumentStore } from './types.ts';

/** Chunks written per INSERT statement. */
const INSERT_BATCH = 200;

function vectorLiteral(vector: readonly number[]): string {
  return `{${vector.map((v) => (v === 0 ? '0' : v.toPrecision(6))).join(',')}}`;
}

export function createPostgresDocumentStore(
  sql: postgres.Sql,
  scope: { owner: string; taskId: string | null },
): DocumentStore {
  return {
    async replaceDocument(index, document, chunks, signal) {
      return sql.begin(async (tx) => {
        const removed = await tx`
          delete from document_chunks
          where owner = ${scope.owner} and index_name = ${index} and document = ${document}`;
        for (let start = 0; start < chunks.length; start += INSERT_BATCH) {
          if (signal?.aborted) throw new AbortedError(signal.reason);
          const rows = chunks.slice(start, start + INSERT_BATCH).map((chunk) => ({
            chunk_no: chunk.chunkNo,
            content: chunk.content,
            embedding: vectorLiteral(chunk.embedding),
          }));
          // sent as text and cast: works whether or not drizzle replaced the client's JSON serializer
          await tx`
            insert into document_chunks (owner, index_name, task_id, document, chunk_no, content, embedding)
            select ${scope.owner}, ${index}, ${scope.taskId}::uuid, ${document}, r.chunk_no, r.content, r.embedding::real[]
            from jsonb_to_recordset(${JSON.stringify(rows)}::text::jsonb) as r(chunk_no int, content text, embedding text)`;
        }
        return { removed: removed.count };
      });
    },

    async fullTextStats(index) {
      const [row] = await sql<{ chunks: number; documents: number; lexemes: number }[]>`
        select
          (select count(*)::int from document_chunks where owner = ${scope.owner} and index_name = ${index}) as chunks,
          (select count(distinct document)::int from document_chunks
            where owner = ${scope.owner} and index_name = ${index}) as documents,
          (select count(distinct lexeme)::int from document_chunks, unnest(tsv) as u(lexeme)
            where owner = ${scope.owner} and index_name = ${index}) as lexemes`;
      return row ?? { chunks: 0, documents: 0, lexemes: 0 };
    },

    async analyze() {
      await sql`analyze document_chunks`;
    },

    search: (index, query, k) => searchChunks(sql, scope.owner, index, query, k),
  };
}
