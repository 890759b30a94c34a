import { eq, inArray, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { connect, tasks } from '../src/index.ts';
import { createTestDatabase } from '../src/testing/index.ts';

/** Statements prepared on the transaction's connection whose text mentions `marker`. */
async function preparedOnThisConnection(
  tx: { execute: (query: ReturnType<typeof sql>) => Promise<unknown> },
  marker: string,
): Promise<string[]> {
  const rows = (await tx.execute(sql`select statement from pg_prepared_statements`)) as {
    statement: string;
  }[];
  return rows.map((row) => row.statement).filter((text) => text.includes(marker));
}

describe('drizzle queries on connect()', () => {
  it('are prepared once per connection and give the same rows when run again', async () => {
    await using database = await createTestDatabase();
    await using connection = connect(database.url, { max: 1 });
    const { db } = connection;
    await db
      .insert(tasks)
      .values({ owner: 'alice', workflow: 'demo', status: 'queued', maxRetries: 0, timeoutSeconds: 60 });
    await db.transaction(async (tx) => {
      for (let run = 0; run < 3; run++) {
        const rows = await tx
          .select({ owner: tasks.owner, status: tasks.status })
          .from(tasks)
          .where(eq(tasks.owner, 'alice'));
        expect(rows).toEqual([{ owner: 'alice', status: 'queued' }]);
      }
      const prepared = await preparedOnThisConnection(tx, '"owner" = $1');
      expect(prepared).toHaveLength(1);
    });
  });

  it('sends statements with long parameter lists unnamed, so list sizes do not pile up on the server', async () => {
    await using database = await createTestDatabase();
    await using connection = connect(database.url, { max: 1 });
    const { db } = connection;
    const owners = Array.from({ length: 100 }, (_, i) => `owner-${i}`);
    await db.transaction(async (tx) => {
      const rows = await tx.select({ id: tasks.id }).from(tasks).where(inArray(tasks.owner, owners));
      expect(rows).toEqual([]);
      expect(await preparedOnThisConnection(tx, '$100')).toEqual([]);
    });
  });
});
