import { sql } from 'drizzle-orm';
import { type Executor, rowsOf } from '../db.ts';

/**
 * The database's clock (`now()`: in a transaction, its start), the clock that stamps `completed_at` and
 * the other task times; compare with it, never with the process's clock.
 */
export async function databaseNow(db: Executor): Promise<Date> {
  const [row] = rowsOf<{ now: Date | string }>(await db.execute(sql`select now() as now`));
  return new Date(row?.now ?? Date.now());
}
