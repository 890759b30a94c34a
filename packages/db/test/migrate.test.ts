import { describe, expect, it } from 'vitest';
import { connect, migrate, migrationsApplied } from '../src/index.ts';
import { createTestDatabase, holdMigrationLock } from '../src/testing/index.ts';

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

describe('migrate while another process migrates', () => {
  it('says it waits for that migration, then finds nothing left to apply', async () => {
    await using database = await createTestDatabase();
    const lock = await holdMigrationLock(database.url);
    const waits: string[] = [];
    const waiting = Promise.withResolvers<void>();
    const migrating = migrate(database.url, {
      onWaitForOtherMigration: () => {
        waits.push('waiting');
        waiting.resolve();
      },
      onApplying: (count) => waits.push(`applying ${count}`),
    });
    await waiting.promise;
    await lock.release();
    await migrating;
    expect(waits).toEqual(['waiting']);
  });

  it('says nothing of waiting when the lock is free, and how many migrations it applies', async () => {
    await using database = await createTestDatabase({ empty: true });
    const told: string[] = [];
    const options = {
      onWaitForOtherMigration: () => told.push('waiting'),
      onApplying: (count: number) => told.push(`applying ${count}`),
    };
    await migrate(database.url, options);
    const journal = await import('../../../drizzle/meta/_journal.json', { with: { type: 'json' } });
    expect(told).toEqual([`applying ${journal.default.entries.length}`]);
    await migrate(database.url, options);
    expect(told).toHaveLength(1);
  });
});
