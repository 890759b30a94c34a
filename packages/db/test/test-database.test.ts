import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { connect, migrationsApplied, tasks } from '../src/index.ts';
import { createTestDatabase, testServerUrl } from '../src/testing/index.ts';

async function databaseExists(name: string): Promise<boolean> {
  const sql = postgres(testServerUrl(), { max: 1 });
  try {
    const rows = await sql`select 1 from pg_database where datname = ${name}`;
    return rows.length === 1;
  } finally {
    await sql.end();
  }
}

describe('createTestDatabase', () => {
  it('gives a fresh, migrated database that drizzle can use, and drops it on dispose', async () => {
    let name: string;
    {
      await using database = await createTestDatabase();
      name = database.name;
      const { db, sql, close } = connect(database.url);
      try {
        expect(await migrationsApplied(sql)).toBe(true);
        await db
          .insert(tasks)
          .values({ owner: 'alice', workflow: 'demo', status: 'pending', maxRetries: 3, timeoutSeconds: 60 });
        const rows = await db.select({ owner: tasks.owner, status: tasks.status }).from(tasks);
        expect(rows).toEqual([{ owner: 'alice', status: 'pending' }]);
      } finally {
        await close();
      }
      expect(await databaseExists(name)).toBe(true);
    }
    expect(await databaseExists(name)).toBe(false);
  });

  it('isolates databases from each other', async () => {
    await using first = await createTestDatabase();
    await using second = await createTestDatabase();
    expect(first.url).not.toBe(second.url);
    const a = connect(first.url);
    const b = connect(second.url);
    try {
      await a.db
        .insert(tasks)
        .values({ owner: 'a', workflow: 'demo', status: 'queued', maxRetries: 0, timeoutSeconds: 1 });
      expect(await b.db.select().from(tasks)).toEqual([]);
      expect(await a.db.$count(tasks)).toBe(1);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('drops a database even while connections to it are open', async () => {
    const database = await createTestDatabase();
    const { sql, close } = connect(database.url);
    await sql`select 1`;
    await database[Symbol.asyncDispose]();
    expect(await databaseExists(database.name)).toBe(false);
    await close();
  });
});
