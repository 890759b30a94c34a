import postgres from 'postgres';
import { MIGRATION_LOCK_KEY } from '../advisory-locks.ts';

/** The migration lock held by a session of its own, as a migration running elsewhere holds it. */
export interface HeldMigrationLock extends AsyncDisposable {
  /** Releases the lock and closes the session (dispose does the same). */
  release(): Promise<void>;
}

/**
 * Takes the advisory lock `migrate()` holds while it applies migrations, for tests of what a process
 * starting meanwhile does (a replica of a rolling deploy while the Job migrates).
 *
 * @example
 * await using lock = await holdMigrationLock(database.url);
 */
export async function holdMigrationLock(url: string): Promise<HeldMigrationLock> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
  let released: Promise<void> | undefined;
  const release = () => {
    released ??= sql.end({ timeout: 5 });
    return released;
  };
  return { release, [Symbol.asyncDispose]: release };
}
