import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { startEmbeddedTestServer } from './embedded-test-server.ts';
import { TEST_SERVER_KEY } from './provided-context.ts';
import { ensureTemplateDatabase } from './template-database.ts';

/**
 * vitest globalSetup: finds the PostgreSQL the tests run on (TEST_DATABASE_URL, else an embedded server in a
 * temp dir), builds the migrated template database, and provides both to the test files
 * (`createTestDatabase()` reads them with `inject`). Reference it in a package's vitest.config.ts as
 * `globalSetup: ['@kaygraph/db/test-global-setup']`.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const configured = process.env.TEST_DATABASE_URL;
  if (configured) {
    await assertReachable(configured);
    const template = await ensureTemplateDatabase(configured);
    project.provide(TEST_SERVER_KEY, { url: configured, template });
    return async () => {};
  }

  const server = await startEmbeddedTestServer();
  try {
    const template = await ensureTemplateDatabase(server.url);
    project.provide(TEST_SERVER_KEY, { url: server.url, template });
  } catch (error) {
    await server.stop();
    throw error;
  }
  return () => server.stop();
}

async function assertReachable(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    await sql`select 1`;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `The test PostgreSQL at TEST_DATABASE_URL=${redactPassword(url)} is not reachable (${reason}). ` +
        'Start it (e.g. `pg_ctlcluster 15 main start`, or `docker compose up -d postgres`), ' +
        'or unset TEST_DATABASE_URL to run the tests on an embedded PostgreSQL.',
    );
  } finally {
    await sql.end({ timeout: 1 });
  }
}

function redactPassword(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
