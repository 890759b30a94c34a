import { connect, migrationsApplied } from '@kaygraph/db';
import { createTestDatabase } from '@kaygraph/db/testing';
import { describe, expect, it } from 'vitest';
import { readRepoFile } from '../src/repo-files.ts';
import { runNode } from '../src/run-node.ts';

const ENTRY = 'packages/db/src/migrate-main.ts';
const journal = JSON.parse(readRepoFile('drizzle/meta/_journal.json')) as { entries: unknown[] };

/** The parent's environment without any DATABASE_URL, so each case says exactly what it gives. */
function environment(databaseUrl?: string): NodeJS.ProcessEnv {
  const { DATABASE_URL: _ignored, ...rest } = process.env;
  return databaseUrl === undefined ? rest : { ...rest, DATABASE_URL: databaseUrl };
}

async function appliedMigrations(url: string): Promise<{ applied: boolean; count: number }> {
  const { sql, close } = connect(url);
  try {
    const applied = await migrationsApplied(sql);
    const [row] = applied
      ? await sql<{ count: number }[]>`select count(*)::int as count from drizzle.__drizzle_migrations`
      : [];
    return { applied, count: row?.count ?? 0 };
  } finally {
    await close();
  }
}

describe('the one-shot migrate entry point (compose `migrate`, the k8s Job)', () => {
  it('migrates an empty database from DATABASE_URL, exits 0, and is a no-op when run again', async () => {
    await using database = await createTestDatabase({ empty: true });
    expect((await appliedMigrations(database.url)).applied).toBe(false);

    const first = await runNode([ENTRY], environment(database.url));
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const lines = first.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as unknown);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'info',
        msg: 'applying database migrations',
        migrations: journal.entries.length,
      }),
      expect.objectContaining({
        level: 'info',
        msg: 'migrations applied',
        migrations: journal.entries.length,
      }),
    ]);
    expect(await appliedMigrations(database.url)).toEqual({ applied: true, count: journal.entries.length });

    const again = await runNode([ENTRY], environment(database.url));
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({
      level: 'info',
      msg: 'migrations applied',
      migrations: 0,
    });
    expect(await appliedMigrations(database.url)).toEqual({ applied: true, count: journal.entries.length });
  });

  it('applies each migration once when two runs start together (a Job retry beside a manual run)', async () => {
    await using database = await createTestDatabase({ empty: true });
    const runs = await Promise.all([
      runNode([ENTRY], environment(database.url)),
      runNode([ENTRY, database.url], environment()),
    ]);
    expect(runs.map((run) => run.code)).toEqual([0, 0]);
    expect(await appliedMigrations(database.url)).toEqual({ applied: true, count: journal.entries.length });
  });

  it('exits 1 and says what to set when DATABASE_URL is missing or not a PostgreSQL URL', async () => {
    const missing = await runNode([ENTRY], environment());
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('');
    expect(JSON.parse(missing.stderr)).toMatchObject({ level: 'error', msg: 'migration failed' });
    expect(missing.stderr).toMatch(/DATABASE_URL is not set/);

    const wrongScheme = await runNode([ENTRY], environment('mysql://user@localhost/db'));
    expect(wrongScheme.code).toBe(1);
    expect(wrongScheme.stderr).toMatch(/postgres:\/\/ or postgresql:\/\//);
  });

  it('exits 1 when the database does not exist, so compose never starts api and worker on it', async () => {
    const database = await createTestDatabase({ empty: true });
    const url = database.url;
    await database[Symbol.asyncDispose]();
    const run = await runNode([ENTRY], environment(url));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/does not exist/);
  });
});
