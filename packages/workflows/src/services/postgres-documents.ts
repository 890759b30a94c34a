import { AbortedError } from '@kaygraph/graph';
import type postgres from 'postgres';
import { cosineSimilarity, embed, idfWeights, weighted } from '../lib/embed.ts';
import type { DocumentStore, SearchHit } from './types.ts';

/** Weight of the vector similarity in the blended score; the rest is the full-text rank. */
export const VECTOR_WEIGHT = 0.7;

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

    async search(index, query, k) {
      // Every chunk of the index is scored in process: the IDF weights come from the index itself
      // (so nothing but the chunks is stored), and the GIN index ranks the full-text side.
      const rows = await sql<
        { document: string; chunk_no: number; content: string; embedding: number[]; text_rank: number }[]
      >`
        select c.document, c.chunk_no, c.content, c.embedding,
               coalesce(ts_rank_cd(c.tsv, q.query), 0)::float8 as text_rank
        from document_chunks c
        -- any query term may match (OR): natural-language questions rarely share every word with the answer
        left join lateral (
          select replace(plainto_tsquery('english', ${query})::text, ' & ', ' | ')::tsquery as query
        ) q on true
        where c.owner = ${scope.owner} and c.index_name = ${index}`;
      if (rows.length === 0) return [];
      const embeddings = rows.map((row) => row.embedding.map(Number));
      const idf = idfWeights(embeddings);
      const queryVector = weighted(embed(query), idf);
      const bestText = Math.max(...rows.map((row) => row.text_rank));
      const hits: SearchHit[] = rows.map((row, i) => {
        const vectorScore = Math.max(0, cosineSimilarity(queryVector, weighted(embeddings[i] ?? [], idf)));
        const textScore = bestText > 0 ? row.text_rank / bestText : 0;
        return {
          document: row.document,
          chunk_no: row.chunk_no,
          content: row.content,
          score: round(VECTOR_WEIGHT * vectorScore + (1 - VECTOR_WEIGHT) * textScore),
          vector_score: round(vectorScore),
          text_score: round(textScore),
        };
      });
      return hits
        .filter((hit) => hit.score > 0)
        .sort((a, b) => b.score - a.score || a.document.localeCompare(b.document) || a.chunk_no - b.chunk_no)
        .slice(0, k);
    },
  };
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
