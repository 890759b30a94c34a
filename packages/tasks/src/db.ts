import type { Database } from '@kaygraph/db';
import { type SQL, sql } from 'drizzle-orm';

/** A drizzle transaction on our postgres.js database. */
export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];

/** Either the database or an open transaction: everything that runs SQL takes one of these. */
export type Executor = Database | Transaction;

/**
 * `ids` as one uuid[] parameter. Statements that join task rows to a `jsonb_to_recordset` input also
 * filter `t.id = any(idsOf(...))`: the planner estimates any such function at 100 rows and, on a table of
 * a few thousand tasks, hash-joined it to a sequential scan of `tasks` (3 ms per claim at 10,000 rows);
 * with the array it reads the rows through the primary key.
 */
//
// Such statements also take the status their fence expects from the input (`t.status = x.was`), not as a
// literal: with `t.status = 'running'` the planner estimated the task rows from the status statistics
// (few running when the table was last analyzed: 1 row) and joined them to the input by a nested loop that
// compared every task row with every input row, quadratic in the batch (90 ms for a batch of 490). As a
// join clause the estimate is the id array's length, and the join is hashed.
export function uuidArray(ids: readonly string[]): SQL {
  return sql`${`{${ids.join(',')}}`}::uuid[]`;
}

/** Rows of a raw `execute`: postgres.js returns an array-like RowList. */
export function rowsOf<T>(result: unknown): T[] {
  return Array.from(result as ArrayLike<T>);
}
