import { sql } from 'drizzle-orm';
import { type Db, fromDrizzle } from 'pg-boss';
import type { Executor } from '../db.ts';

function isPlainObject(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * pg-boss statements on our drizzle transaction (so jobs commit with our rows), or on the database itself
 * for a statement that is a transaction of its own. pg-boss binds JSON
 * parameters as objects; drizzle configured postgres.js to pass json/jsonb values through untouched
 * (it serialises them itself), so objects are serialised here before they reach the driver.
 */
export function bossTx(tx: Executor): Db {
  const inner = fromDrizzle(tx, sql);
  return {
    executeSql: (text, values) =>
      inner.executeSql(
        text,
        values?.map((value) => (isPlainObject(value) ? JSON.stringify(value) : value)),
      ),
  };
}
