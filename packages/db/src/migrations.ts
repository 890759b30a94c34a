import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate as drizzleMigrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { MIGRATION_LOCK_KEY } from './advisory-locks.ts';
import { applyWithLockTimeout, type LockWaitOptions } from './lock-timeouts.ts';

/** The repository's drizzle/ folder: packages/db/src -> ../../../drizzle. */
export const migrationsFolder: string = resolve(import.meta.dirname, '..', '..', '..', 'drizzle');

const MIGRATIONS_SCHEMA = 'drizzle';
const MIGRATIONS_TABLE = '__drizzle_migrations';

export interface MigrateOptions extends LockWaitOptions {
  /** A drizzle-kit output folder to apply instead of `migrationsFolder` (the committed drizzle/). */
  migrationsFolder?: string;
  /**
   * Told once when another process holds the migration lock (a rolling deploy's other replica, the migrate
   * Job), before waiting for it as long as it takes: say so, or the wait looks like a hang.
   */
  onWaitForOtherMigration?: () => void;
  /** Told how many migrations are pending, once the lock is held, when there are any. */
  onApplying?: (count: number) => void;
}

/**
 * Applies the committed drizzle/ migrations. drizzle's migrator takes no lock, so the whole run happens on
 * one connection that holds a session advisory lock: processes starting together apply each migration once,
 * the later ones wait and then find nothing to do. drizzle applies the pending migrations in one
 * transaction, which holds every table lock they take until the last one commits; each try waits for those
 * locks at most `lockTimeoutMs` (see `applyWithLockTimeout`).
 */
export async function migrate(url: string, options: MigrateOptions = {}): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    // Waiting its turn for the lock and running long DDL are what a migration does: no statement_timeout or
    // lock_timeout, whatever the role or database sets (the services bound their own statements; the waits
    // for table locks get their own lock_timeout once the migration lock is held). Set on the session, not
    // as startup options, which a URL's own `?options=` would replace.
    await sql`select set_config('statement_timeout', '0', false), set_config('lock_timeout', '0', false)`;
    // Waits as long as another process migrates: only the tables' locks are bounded.
    const [attempt] = await sql<
      { locked: boolean }[]
    >`select pg_try_advisory_lock(${MIGRATION_LOCK_KEY}) as locked`;
    if (!attempt?.locked) {
      options.onWaitForOtherMigration?.();
      await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    }
    try {
      const config = {
        migrationsFolder: options.migrationsFolder ?? migrationsFolder,
        migrationsSchema: MIGRATIONS_SCHEMA,
        migrationsTable: MIGRATIONS_TABLE,
      };
      const pending = await pendingMigrations(sql, config.migrationsFolder);
      if (pending > 0) options.onApplying?.(pending);
      await applyWithLockTimeout(sql, () => drizzleMigrate(drizzle(sql), config), options);
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** When the newest applied migration was created (drizzle records its journal `when`); 0 when none is. */
async function latestAppliedMillis(sql: postgres.Sql): Promise<number> {
  const [table] = await sql<{ exists: boolean }[]>`
    select to_regclass(${`${MIGRATIONS_SCHEMA}.${MIGRATIONS_TABLE}`}) is not null as exists`;
  if (!table?.exists) return 0;
  const [row] = await sql<{ latest: string | null }[]>`
    select max(created_at)::text as latest from ${sql(MIGRATIONS_SCHEMA)}.${sql(MIGRATIONS_TABLE)}`;
  return Number(row?.latest ?? 0);
}

/** How many migrations of `folder` drizzle would apply: those newer than the newest applied, as it decides. */
async function pendingMigrations(sql: postgres.Sql, folder: string): Promise<number> {
  const latest = await latestAppliedMillis(sql);
  return readMigrationFiles({ migrationsFolder: folder }).filter((m) => m.folderMillis > latest).length;
}

let latestMigrationMillis: number | undefined;

function latestCommittedMigration(): number {
  if (latestMigrationMillis === undefined) {
    const migrations = readMigrationFiles({ migrationsFolder });
    latestMigrationMillis = Math.max(0, ...migrations.map((m) => m.folderMillis));
  }
  return latestMigrationMillis;
}

/**
 * True when the database has every committed migration (for `/ready`). drizzle records each applied
 * migration with the `when` of its journal entry, so the newest record must reach the newest file.
 */
export async function migrationsApplied(sql: postgres.Sql): Promise<boolean> {
  const latest = await latestAppliedMillis(sql);
  return latest > 0 && latest >= latestCommittedMigration();
}

/** A fingerprint of the committed migrations; names a migrated template database in tests. */
export function migrationsFingerprint(): string {
  const journal = readFileSync(join(migrationsFolder, 'meta', '_journal.json'), 'utf8');
  const migrations = readMigrationFiles({ migrationsFolder });
  return [journal, ...migrations.map((m) => m.hash)].join('\n');
}
