import type { Database } from '@kaygraph/db';

/** A drizzle transaction on our postgres.js database. */
export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];

/** Either the database or an open transaction: everything that runs SQL takes one of these. */
export type Executor = Database | Transaction;

/** Rows of a raw `execute`: postgres.js returns an array-like RowList. */
export function rowsOf<T>(result: unknown): T[] {
  return Array.from(result as ArrayLike<T>);
}
