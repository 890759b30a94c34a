import { type Connection, connect, migrate, startEmbeddedPostgres } from '@kaygraph/db';
import { writableDataDir } from '@kaygraph/tasks/process';
import { EMBEDDED_DATABASE, embeddedDataDir, runningEmbeddedUrl } from '../embedded-database.ts';
import type { ApiEnv } from '../env.ts';

export interface CommandDatabase extends AsyncDisposable {
  sql: Connection['sql'];
  close(): Promise<void>;
}

/** What the command's database is called in messages (a URL's host and port, never its password). */
export function describeCommandDatabase(env: ApiEnv): string {
  if (!env.DATABASE_URL) return `the embedded PostgreSQL of ${embeddedDataDir(env.DATA_DIR)}`;
  return `the database at ${new URL(env.DATABASE_URL).host} (DATABASE_URL)`;
}

/**
 * The database the api itself would use: DATABASE_URL, else the embedded PostgreSQL of DATA_DIR,
 * the running one of an `npm start` or, when none runs, one started here for the command and
 * stopped after it. Migrated (under the migrations' lock), so a command may come first.
 */
export async function openCommandDatabase(env: ApiEnv): Promise<CommandDatabase> {
  let url = env.DATABASE_URL;
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (!url) {
    const dataDir = embeddedDataDir(env.DATA_DIR);
    url = await runningEmbeddedUrl(dataDir);
    if (!url) {
      await writableDataDir(env.DATA_DIR);
      const embedded = await startEmbeddedPostgres({ dataDir, database: EMBEDDED_DATABASE });
      url = embedded.url;
      stopEmbedded = () => embedded.stop();
    }
  }
  try {
    await migrate(url);
  } catch (error) {
    await stopEmbedded?.();
    throw error;
  }
  const connection = connect(url, { max: 1, applicationName: 'kaygraph-keys-command' });
  const close = async () => {
    await connection.close();
    await stopEmbedded?.();
  };
  return { sql: connection.sql, close, [Symbol.asyncDispose]: close };
}
