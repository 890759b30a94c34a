import { describe, expect, it } from 'vitest';
import { connect, migrate, migrationsApplied } from '../src/index.ts';
import { createTestDatabase } from '../src/testing/index.ts';

describe('migrate', () => {
  it('applies every migration once when two processes start together', async () => {
    await using database = await createTestDatabase({ empty: true });
    const { sql, close } = connect(database.url);
    try {
      expect(await migrationsApplied(sql)).toBe(false);
      // Without the advisory lock both runs see "nothing applied" and the second fails on existing tables.
      const results = await Promise.allSettled([
        migrate(database.url),
        migrate(database.url),
        migrate(database.url),
      ]);
      expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
      expect(await migrationsApplied(sql)).toBe(true);
      const applied = await sql`select hash from drizzle.__drizzle_migrations`;
      const journal = await import('../../../drizzle/meta/_journal.json', { with: { type: 'json' } });
      expect(applied).toHaveLength(journal.default.entries.length);
      const [table] = await sql`select to_regclass('public.tasks') is not null as exists`;
      expect(table?.exists).toBe(true);
    } finally {
      await close();
    }
  });

  it('is a no-op on an up-to-date database', async () => {
    await using database = await createTestDatabase();
    await migrate(database.url);
    const { sql, close } = connect(database.url);
    try {
      expect(await migrationsApplied(sql)).toBe(true);
    } finally {
      await close();
    }
  });
});
