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

/**
 * Records as one JSON parameter for `jsonb_to_recordset`, each without its null fields: the recordset
 * reads a missing key as null, so the nulls need not be sent: a shorter parameter for PostgreSQL to parse.
 */
export function recordsJson(records: readonly object[]): string {
  return JSON.stringify(
    records.map((record) => {
      // for...in over these object literals: no entry arrays on a hot path (claims, outcomes, submits).
      const fields = record as Record<string, unknown>;
      const present: Record<string, unknown> = {};
      for (const key in fields) if (fields[key] !== null) present[key] = fields[key];
      return present;
    }),
  );
}

/** Rows of a raw `execute`: postgres.js returns an array-like RowList. */
export function rowsOf<T>(result: unknown): T[] {
  return Array.from(result as ArrayLike<T>);
}

/**
 * Awaits statements sent back to back in one transaction, given in the order they were sent. When one
 * fails, PostgreSQL fails those behind it with "transaction aborted" (25P02): the error thrown is the
 * first failure in send order, so a deadlock or a constraint reads as itself.
 */
export async function sentTogether<T extends readonly unknown[]>(
  statements: {
    readonly [K in keyof T]: PromiseLike<T[K]>;
  },
): Promise<T> {
  const settled = await Promise.allSettled(statements);
  for (const outcome of settled) if (outcome.status === 'rejected') throw outcome.reason;
  return settled.map((outcome) => (outcome as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
