import type { PgBoss } from 'pg-boss';
import { recordStatement } from './record-statement.ts';

/** pg-boss' own fetch statement of a queue, with its batch size as the last parameter. */
export interface FetchStatement {
  /** An `UPDATE ... RETURNING` of the fetched job rows (id, data, retryCount, retryLimit, ...). */
  text: string;
  /** pg-boss' parameters ($1..$n); the batch size goes after them, as `$${values.length + 1}`. */
  values: readonly unknown[];
}

/** A batch size no caller asks for: its literal marks where pg-boss wrote the LIMIT. */
const SENTINEL_BATCH_SIZE = 987_654_321;

/**
 * The statement `boss.fetch(queue, { batchSize, includeMetadata: true })` runs, taken from pg-boss itself
 * (a `db` adapter that records instead of executing), so the worker can embed it in a larger statement
 * (see worker/fetch-and-claim.ts) while pg-boss stays the author of its locking and ordering. pg-boss
 * writes the batch size into the text; it is turned into a parameter so every batch size shares one
 * prepared statement per connection instead of one each.
 */
export async function captureFetchStatement(boss: PgBoss, queue: string): Promise<FetchStatement> {
  const { text, values } = await recordStatement(
    (db) => boss.fetch(queue, { batchSize: SENTINEL_BATCH_SIZE, includeMetadata: true, db }),
    `the fetch of queue ${queue}`,
  );
  const limit = new RegExp(`\\bLIMIT ${SENTINEL_BATCH_SIZE}\\b`, 'g');
  const matches = text.match(limit)?.length ?? 0;
  if (matches !== 1) {
    throw new Error(`pg-boss' fetch statement of ${queue} has ${matches} batch-size limits, expected 1`);
  }
  return { text: readJobsByKey(text.replace(limit, `LIMIT $${values.length + 1}::int`)), values };
}

/** pg-boss' UPDATE of the selected jobs joined to them: `FROM next WHERE name = '...' AND j.id = next.id`. */
const JOIN_TO_SELECTED = /\bFROM next\s+WHERE (name = '[^']*') AND j\.id = next\.id\b/g;

/**
 * The UPDATE reads the selected jobs by primary key. Joined to them, it was planned as a hash join over a
 * sequential scan of every job of the queue (64 of 5,000: 1.1 ms of a 7 ms claim), and the scan grows with
 * the completed jobs pg-boss keeps. An uncorrelated `= ANY(ARRAY(...))` (what pg-boss itself does when
 * it fetches with group concurrency) makes the ids a one-time input and the plan an index scan. Should a
 * pg-boss version word the statement differently, it is used as it is.
 */
function readJobsByKey(text: string): string {
  if ((text.match(JOIN_TO_SELECTED)?.length ?? 0) !== 1) return text;
  return text.replace(JOIN_TO_SELECTED, 'WHERE $1 AND j.id = ANY(ARRAY(SELECT id FROM next))');
}
