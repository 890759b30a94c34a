import type { PgBoss } from 'pg-boss';

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
  let captured: { text: string; values: unknown[] } | undefined;
  await boss.fetch(queue, {
    batchSize: SENTINEL_BATCH_SIZE,
    includeMetadata: true,
    db: {
      executeSql: async (text: string, values?: unknown[]) => {
        captured = { text, values: values ?? [] };
        return { rows: [] };
      },
    },
  });
  if (!captured) throw new Error(`pg-boss ran no fetch statement for queue ${queue}`);
  const { text, values } = captured;
  const limit = new RegExp(`\\bLIMIT ${SENTINEL_BATCH_SIZE}\\b`, 'g');
  const matches = text.match(limit)?.length ?? 0;
  if (matches !== 1) {
    throw new Error(`pg-boss' fetch statement of ${queue} has ${matches} batch-size limits, expected 1`);
  }
  return { text: text.replace(limit, `LIMIT $${values.length + 1}::int`), values };
}
