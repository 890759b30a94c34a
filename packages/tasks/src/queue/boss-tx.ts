import { sql } from 'drizzle-orm';
import { type Db, fromDrizzle } from 'pg-boss';
import type { Executor } from '../db.ts';

function isPlainObject(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * A flat array of strings and numbers as one PostgreSQL array literal (`{"a","b"}`), or undefined for any
 * other array (nested, objects, nulls), which is left to pg-boss' adapter.
 */
function arrayLiteral(values: readonly unknown[]): string | undefined {
  const elements: string[] = [];
  for (const value of values) {
    if (typeof value === 'number' && Number.isFinite(value)) elements.push(String(value));
    else if (typeof value === 'string') elements.push(`"${value.replace(/[\\"]/g, '\\$&')}"`);
    else return undefined;
  }
  return `{${elements.join(',')}}`;
}

/**
 * pg-boss statements on our drizzle transaction (so jobs commit with our rows), or on the database itself
 * for a statement that is a transaction of its own.
 * - pg-boss binds JSON parameters as objects; drizzle configured postgres.js to pass json/jsonb values
 *   through untouched (it serialises them itself), so objects are serialised here before they reach the
 *   driver.
 * - pg-boss' drizzle adapter expands an array parameter (`$2::uuid[]`, the job ids of a complete) into
 *   `ARRAY[$2, $3, ...]`, one parameter per element: every batch size was a statement text of its own,
 *   parsed and planned afresh with up to a thousand parameters (a tenth of a no-op drain's database time,
 *   and most of the worker's query building). An array of strings or numbers that the statement casts to
 *   an array type is bound whole instead, as one array literal that the cast reads, so a statement's text
 *   is the same for any batch and is prepared once per connection.
 */
export function bossTx(tx: Executor): Db {
  const inner = fromDrizzle(tx, sql);
  return {
    executeSql: (text, values) => {
      const arrayCast = arrayCastParameters(text);
      return inner.executeSql(
        text,
        values?.map((value, i) => {
          if (Array.isArray(value)) return (arrayCast.has(i + 1) && arrayLiteral(value)) || value;
          return isPlainObject(value) ? JSON.stringify(value) : value;
        }),
      );
    },
  };
}

/** The numbers of the parameters that `text` casts to an array type (`$2::uuid[]`) wherever it uses them. */
function arrayCastParameters(text: string): Set<number> {
  const cast = new Set<number>();
  const bare = new Set<number>();
  for (const match of text.matchAll(/\$(\d+)(::[a-z_][a-z0-9_]*\[\])?/gi)) {
    (match[2] ? cast : bare).add(Number(match[1]));
  }
  for (const n of bare) cast.delete(n);
  return cast;
}
