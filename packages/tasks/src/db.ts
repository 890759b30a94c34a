import type { Database } from '@kaygraph/db';
import { type SQL, sql } from 'drizzle-orm';

/** A drizzle transaction on our postgres.js database. */
export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];

/** Either the database or an open transaction: everything that runs SQL takes one of these. */
export type Executor = Database | Transaction;

/**
 * `ids` as one uuid[] parameter. Statements that join task rows to a JSON input also filter
 * `t.id = any(uuidArray(...))`, so the planner reads the rows by primary key whatever it estimates of the
 * input; the status a fence expects comes from the input too (`t.status = x.was`), for the same reason.
 */
export function uuidArray(ids: readonly string[]): SQL {
  return sql`${`{${ids.join(',')}}`}::uuid[]`;
}

/** Rows of a raw `execute`: postgres.js returns an array-like RowList. */
export function rowsOf<T>(result: unknown): T[] {
  return Array.from(result as ArrayLike<T>);
}
