import type { SearchHit } from '@kaygraph/contracts';
import type postgres from 'postgres';
import { EMBEDDING_DIMENSIONS, embed, idfFromFrequencies, weighted } from '../lib/embed.ts';

/** Weight of the vector similarity in the blended score; the rest is the full-text rank. */
export const VECTOR_WEIGHT = 0.7;

/** Chunks the full-text index hands to the vector scoring, best text rank first. */
const CANDIDATES = 200;

/** Document frequencies per index, keyed by a version that changes whenever chunks are written. */
const frequencies = new Map<string, { version: string; count: number; df: number[] }>();
const MAX_CACHED_INDEXES = 64;

interface Candidate {
  document: string;
  chunk_no: number;
  content: string;
  text_rank: number;
  dot: number | null;
  norm: number | null;
}

const pgArrayLiteral = (values: readonly number[]) => `{${values.join(',')}}`;

/**
 * Hybrid search: the GIN full-text index finds the chunks sharing any term with the query (OR), and
 * those are scored by a blend of TF-IDF cosine similarity (IDF over the whole index, cached until the
 * index changes) and their full-text rank. Hashing TF-IDF vectors only overlap where terms do, so
 * the candidates hold every chunk with a meaningful vector score. The cosine is computed in SQL: only
 * the query's few buckets enter the dot product, and no vector leaves the database.
 */
export async function searchChunks(
  sql: postgres.Sql,
  owner: string,
  index: string,
  query: string,
  k: number,
): Promise<SearchHit[]> {
  const [state] = await sql<{ count: number; version: string }[]>`
    select count(*)::int as count, count(*)::text || ':' || coalesce(max(id), 0)::text as version
    from document_chunks where owner = ${owner} and index_name = ${index}`;
  if (!state || state.count === 0) return [];
  const { df, count } = await documentFrequencies(sql, owner, index, state.version);
  const idf = idfFromFrequencies(df, count);
  // cos(idf*q, idf*d) = sum_b (idf_b^2 q_b / |idf*q|) d_b / |idf*d|, over the query's non-zero buckets b
  const queryVector = weighted(embed(query), idf);
  const queryNorm = Math.sqrt(queryVector.reduce((sum, v) => sum + v * v, 0));
  const buckets: number[] = [];
  const weights: number[] = [];
  queryVector.forEach((value, bucket) => {
    if (value !== 0 && queryNorm > 0) {
      buckets.push(bucket + 1); // PostgreSQL arrays count from 1
      weights.push(((idf[bucket] ?? 1) * value) / queryNorm);
    }
  });
  const candidates = await sql<Candidate[]>`
    with q as (
      -- any query term may match (OR): natural-language questions rarely share every word with the answer
      select replace(plainto_tsquery('english', ${query})::text, ' & ', ' | ')::tsquery as query
    ), matches as (
      select c.document, c.chunk_no, c.content, c.embedding, ts_rank_cd(c.tsv, q.query)::float8 as text_rank
      from document_chunks c, q
      where c.owner = ${owner} and c.index_name = ${index} and c.tsv @@ q.query
      order by text_rank desc, c.id
      limit ${CANDIDATES}
    )
    select m.document, m.chunk_no, m.content, m.text_rank,
      (select sum(t.w * m.embedding[t.b])::float8
        from unnest(${pgArrayLiteral(buckets)}::text::int[], ${pgArrayLiteral(weights)}::text::float8[]) as t(b, w)) as dot,
      (select sqrt(sum((u.v * u.i) ^ 2))::float8
        from unnest(m.embedding, ${pgArrayLiteral(idf)}::text::float8[]) as u(v, i)) as norm
    from matches m`;
  if (candidates.length === 0) return [];
  const bestText = Math.max(...candidates.map((row) => row.text_rank));
  return candidates
    .map((row): SearchHit => {
      const vectorScore = row.dot !== null && row.norm ? Math.min(1, Math.max(0, row.dot / row.norm)) : 0;
      const textScore = bestText > 0 ? row.text_rank / bestText : 0;
      return {
        document: row.document,
        chunk_no: row.chunk_no,
        content: row.content,
        score: round(VECTOR_WEIGHT * vectorScore + (1 - VECTOR_WEIGHT) * textScore),
        vector_score: round(vectorScore),
        text_score: round(textScore),
      };
    })
    .filter((hit) => hit.score > 0)
    .sort((a, b) => b.score - a.score || a.document.localeCompare(b.document) || a.chunk_no - b.chunk_no)
    .slice(0, k);
}

async function documentFrequencies(sql: postgres.Sql, owner: string, index: string, version: string) {
  const key = JSON.stringify([owner, index]);
  const cached = frequencies.get(key);
  if (cached?.version === version) return cached;
  const rows = await sql<{ bucket: number; df: number }[]>`
    select (u.ordinality - 1)::int as bucket, count(*)::int as df
    from document_chunks c, unnest(c.embedding) with ordinality as u(value, ordinality)
    where c.owner = ${owner} and c.index_name = ${index} and u.value <> 0
    group by 1`;
  const df = new Array<number>(EMBEDDING_DIMENSIONS).fill(0);
  for (const row of rows) if (row.bucket < df.length) df[row.bucket] = row.df;
  const entry = { version, count: Number(version.split(':')[0]), df };
  frequencies.delete(key);
  frequencies.set(key, entry);
  if (frequencies.size > MAX_CACHED_INDEXES) {
    const oldest = frequencies.keys().next().value;
    if (oldest !== undefined) frequencies.delete(oldest);
  }
  return entry;
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
