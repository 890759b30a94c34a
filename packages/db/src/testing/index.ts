import postgres from 'postgres';
import { inject } from 'vitest';
import { newTestDatabaseName, quoteIdent, withDatabase } from './database-names.ts';
import { TEST_SERVER_KEY, type TestDatabaseServer } from './provided-context.ts';

export { type DatabaseDoor, openDatabaseDoor } from './database-door.ts';
export { createLimitedRoleDatabase, type LimitedRoleDatabase } from './limited-role.ts';
export {
  type MigrationsFolderCopy,
  migrationsWithoutLast,
  migrationsWithPending,
} from './migration-folders.ts';
export { type HeldMigrationLock, holdMigrationLock } from './migration-lock.ts';
export type { TestDatabaseServer } from './provided-context.ts';

export interface TestDatabase extends AsyncDisposable {
  /** postgres:// URL of the new database. */
  url: string;
  /** Its name (kg_t_...). */
  name: string;
}

export interface CreateTestDatabaseOptions {
  /** Skip the migrations: an empty database (for tests of `migrate()` itself). */
  empty?: boolean;
}

function providedServer(): TestDatabaseServer {
  const server = inject(TEST_SERVER_KEY);
  if (!server) {
    throw new Error(
      "No test database server: add globalSetup: ['@kaygraph/db/test-global-setup'] to this package's " +
        'vitest.config.ts (see packages/db/README.md).',
    );
  }
  return server;
}

/** URL of the PostgreSQL the global setup chose (TEST_DATABASE_URL or the embedded server). */
export function testServerUrl(): string {
  return providedServer().url;
}

/**
 * A fresh database with all migrations applied, copied from the run's template; dropped (with force) on
 * dispose.
 *
 * @example
 * await using database = await createTestDatabase();
 * const { db, close } = connect(database.url);
 */
export async function createTestDatabase(options: CreateTestDatabaseOptions = {}): Promise<TestDatabase> {
  const server = providedServer();
  const name = newTestDatabaseName();
  const template = options.empty ? 'template0' : server.template;
  await onServer(server.url, (sql) =>
    sql.unsafe(`create database ${quoteIdent(name)} template ${quoteIdent(template)}`),
  );
  return {
    url: withDatabase(server.url, name),
    name,
    async [Symbol.asyncDispose]() {
      await onServer(server.url, (sql) =>
        sql.unsafe(`drop database if exists ${quoteIdent(name)} with (force)`),
      );
    },
  };
}

async function onServer<T>(url: string, run: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return await run(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}
