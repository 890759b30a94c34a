import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { migrate } from '../src/index.ts';
import {
  createTestDatabase,
  type MigrationsFolderCopy,
  migrationsWithPending,
} from '../src/testing/index.ts';

/** The committed migrations plus a pending one that alters `tasks` (an ACCESS EXCLUSIVE lock), in a temp folder. */
function folderWithPendingAlter(): MigrationsFolderCopy {
  return migrationsWithPending(
    '9999_upgrade_probe',
    'ALTER TABLE "tasks" ADD COLUMN "upgrade_probe" integer;',
  );
}

/** A session that read `tasks` and keeps its transaction open, as a long report or a backup does. */
async function openReadTransaction(sql: postgres.Sql): Promise<{ end(): Promise<void> }> {
  const session = await sql.reserve();
  await session`begin`;
  await session`select count(*) from tasks`;
  return {
    async end() {
      await session`commit`;
      session.release();
    },
  };
}

async function probeColumnExists(sql: postgres.Sql): Promise<boolean> {
  const rows = await sql`
    select 1 from information_schema.columns where table_name = 'tasks' and column_name = 'upgrade_probe'`;
  return rows.length === 1;
}

/** Until the migration's ALTER TABLE waits for its lock (it queues every later query on `tasks` behind it). */
async function untilMigrationWaits(sql: postgres.Sql): Promise<void> {
  for (;;) {
    const rows = await sql`
      select 1 from pg_stat_activity
      where datname = current_database() and wait_event_type = 'Lock' and query ilike 'ALTER TABLE "tasks"%'`;
    if (rows.length > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('a migration behind a long transaction on the table it changes', () => {
  it('lets reads and writes of the table through while it waits, and applies once the transaction ends', async () => {
    await using database = await createTestDatabase();
    using folder = folderWithPendingAlter();
    const sql = postgres(database.url, { max: 4, onnotice: () => {} });
    try {
      const report = await openReadTransaction(sql);
      const migrating = migrate(database.url, { migrationsFolder: folder.path, lockTimeoutMs: 100 });
      await untilMigrationWaits(sql);

      // Without a lock timeout these queue behind the waiting ALTER TABLE until the report ends.
      await sql`insert into tasks (owner, workflow, status, max_retries, timeout_seconds)
        values ('alice', 'demo', 'queued', 0, 60)`;
      const [row] = await sql<{ count: number }[]>`select count(*)::int as count from tasks`;
      expect(row?.count).toBe(1);
      expect(await probeColumnExists(sql)).toBe(false);

      await report.end();
      await migrating;
      expect(await probeColumnExists(sql)).toBe(true);
    } finally {
      await sql.end();
    }
  });

  it('gives up with a message that names the transaction in the way, and applies nothing', async () => {
    await using database = await createTestDatabase();
    using folder = folderWithPendingAlter();
    const sql = postgres(database.url, {
      max: 4,
      onnotice: () => {},
      connection: { application_name: 'report' },
    });
    try {
      const report = await openReadTransaction(sql);
      const failure = migrate(database.url, {
        migrationsFolder: folder.path,
        lockTimeoutMs: 100,
        giveUpAfterMs: 0,
      });
      await expect(failure).rejects.toThrow(
        /could not lock the tables it changes \(1 try of 100 ms\): another transaction holds them, so nothing was applied; run it again when that transaction ends \(oldest open transactions: pid \d+ \(report, idle in transaction, open \d+ s\)/,
      );
      expect(await probeColumnExists(sql)).toBe(false);
      await report.end();

      await migrate(database.url, { migrationsFolder: folder.path });
      expect(await probeColumnExists(sql)).toBe(true);
    } finally {
      await sql.end();
    }
  });
});

/** Until a session waits for the migration's advisory lock for `ms` or more (or `settled` says it gave up). */
async function untilAdvisoryWaitPasses(sql: postgres.Sql, ms: number, settled: () => boolean): Promise<void> {
  while (!settled()) {
    const rows = await sql`
      select 1 from pg_stat_activity
      where datname = current_database() and wait_event_type = 'Lock' and wait_event = 'advisory'
        and query ilike '%pg_advisory_lock%' and now() - query_start > make_interval(secs => ${ms / 1000})`;
    if (rows.length > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('migrations on a database that sets lock_timeout and statement_timeout', () => {
  it('a second migrate waits for the one in progress instead of failing, whatever options its URL sends', async () => {
    await using database = await createTestDatabase();
    // An operator's URL with startup options of its own: they must not drop the migration's.
    const url = new URL(database.url);
    url.searchParams.set('options', '-c search_path=public');
    using folder = folderWithPendingAlter();
    const sql = postgres(database.url, { max: 4, onnotice: () => {} });
    try {
      await sql.unsafe(`alter database "${database.name}" set lock_timeout = '200ms'`);
      await sql.unsafe(`alter database "${database.name}" set statement_timeout = '300ms'`);
      // The first one holds the migration lock while its ALTER TABLE waits for a long transaction.
      const report = await openReadTransaction(sql);
      const first = migrate(database.url, { migrationsFolder: folder.path, lockTimeoutMs: 100 });
      await untilMigrationWaits(sql);
      let secondSettled = false;
      const second = migrate(url.href, { migrationsFolder: folder.path }).finally(() => {
        secondSettled = true;
      });
      second.catch(() => undefined);
      await untilAdvisoryWaitPasses(sql, 600, () => secondSettled);

      await report.end();
      await first;
      await second;
      expect(await probeColumnExists(sql)).toBe(true);
    } finally {
      await sql.end();
    }
  });
});
