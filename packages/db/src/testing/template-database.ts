import { createHash, randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { TEST_TEMPLATE_LOCK_KEY } from '../advisory-locks.ts';
import { migrate, migrationsFingerprint } from '../migrations.ts';
import { quoteIdent, TEST_DATABASE_PREFIX, testDatabaseCreatedAt, withDatabase } from './database-names.ts';

const TEMPLATE_PREFIX = 'kg_tpl_';
const BUILDING_PREFIX = 'kg_tplb_';
/** Leftover test databases of killed runs are dropped once they are this old. */
const STALE_TEST_DATABASE_MS = 2 * 60 * 60 * 1000;

/**
 * Returns the name of a database with all committed migrations applied, to be used as
 * `CREATE DATABASE x TEMPLATE <name>`. The name carries a hash of the migrations, so it is built once and
 * reused by later runs until a migration changes. Parallel runs (turbo runs every package's suite at once)
 * serialize on an advisory lock; the database is built under a temporary name and renamed when complete, so
 * nobody ever copies a half-migrated template.
 */
export async function ensureTemplateDatabase(serverUrl: string): Promise<string> {
  const fingerprint = createHash('sha256').update(migrationsFingerprint()).digest('hex').slice(0, 16);
  const template = `${TEMPLATE_PREFIX}${fingerprint}`;
  const sql = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await sql`select pg_advisory_lock(${TEST_TEMPLATE_LOCK_KEY})`;
    try {
      // Builders hold the lock, so a half-built template seen now belongs to a run that was killed.
      await dropDatabases(sql, await databasesStartingWith(sql, BUILDING_PREFIX));
      const existing = await databasesStartingWith(sql, template);
      if (!existing.includes(template)) {
        const building = `${BUILDING_PREFIX}${fingerprint}_${randomBytes(3).toString('hex')}`;
        await sql.unsafe(`create database ${quoteIdent(building)}`);
        await migrate(withDatabase(serverUrl, building));
        await sql.unsafe(`alter database ${quoteIdent(building)} rename to ${quoteIdent(template)}`);
      }
      // When a run last used it: templates of other migration sets are dropped a while after their last use.
      await sql.unsafe(`comment on database ${quoteIdent(template)} is '${Date.now()}'`);
      await dropOutdatedTemplates(sql, template);
    } finally {
      await sql`select pg_advisory_unlock(${TEST_TEMPLATE_LOCK_KEY})`;
    }
    await dropStaleTestDatabases(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
  return template;
}

async function databasesStartingWith(sql: postgres.Sql, prefix: string): Promise<string[]> {
  const rows = await sql<{ datname: string }[]>`
    select datname from pg_database where starts_with(datname, ${prefix})`;
  return rows.map((row) => row.datname);
}

async function dropDatabases(
  sql: postgres.Sql,
  names: string[],
  options: { ignoreErrors?: boolean } = {},
): Promise<void> {
  for (const name of names) {
    try {
      await sql.unsafe(`drop database if exists ${quoteIdent(name)} with (force)`);
    } catch (error) {
      if (!options.ignoreErrors) throw error;
    }
  }
}

/**
 * Templates of other migration sets. Not dropped at once: a suite started before a migration was added
 * may still be copying its template; the stale period after its last use it is surely done.
 */
async function dropOutdatedTemplates(sql: postgres.Sql, current: string): Promise<void> {
  const rows = await sql<{ datname: string; created: string | null }[]>`
    select datname, shobj_description(oid, 'pg_database') as created
    from pg_database where starts_with(datname, ${TEMPLATE_PREFIX}) and datname <> ${current}`;
  const cutoff = Date.now() - STALE_TEST_DATABASE_MS;
  const outdated = rows.filter((row) => Number(row.created ?? 0) < cutoff).map((row) => row.datname);
  await dropDatabases(sql, outdated, { ignoreErrors: true });
}

/** Test databases of runs that were killed before their dispose ran. */
async function dropStaleTestDatabases(sql: postgres.Sql): Promise<void> {
  const cutoff = Date.now() - STALE_TEST_DATABASE_MS;
  const names = (await databasesStartingWith(sql, TEST_DATABASE_PREFIX)).filter((name) => {
    const createdAt = testDatabaseCreatedAt(name);
    return createdAt !== undefined && createdAt.getTime() < cutoff;
  });
  await dropDatabases(sql, names, { ignoreErrors: true });
}
