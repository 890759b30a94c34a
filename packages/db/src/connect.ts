import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { preparingClient } from './prepared-statements.ts';
import * as schema from './schema.ts';

/** drizzle on postgres.js; `$client` is the postgres.js client it runs on (statements prepared, see below). */
export type Database = PostgresJsDatabase<typeof schema> & { $client: postgres.Sql };

export interface ConnectOptions {
  /** Pool size of the postgres.js client (default 10). */
  max?: number;
  /** Application name shown in pg_stat_activity. */
  applicationName?: string;
  /** Session settings of every connection (e.g. `{ synchronous_commit: 'off' }` for a pool of cheap writes). */
  settings?: Record<string, string>;
  /**
   * `statement_timeout` of every connection, in milliseconds: a statement that runs, or waits for a lock,
   * longer is cancelled (SQLSTATE 57014). 0 or unset: the server's own setting (the role's or database's,
   * else none).
   */
  statementTimeoutMs?: number;
}

export interface Connection extends AsyncDisposable {
  /** drizzle over `sql`, typed with our schema. */
  db: Database;
  /**
   * The postgres.js client behind `db` (for LISTEN, raw SQL). drizzle configured its parsers, so do not
   * hand it to other libraries (pg-boss keeps its own pool).
   */
  sql: postgres.Sql;
  /** Ends the pool, waiting a few seconds for queries in flight. */
  close(): Promise<void>;
}

/**
 * Opens a postgres.js pool and a drizzle instance on it.
 *
 * @example
 * await using connection = connect(url); // or: const { db, close } = connect(url) ... await close()
 * const rows = await connection.db.select().from(tasks).limit(10);
 */
export function connect(url: string, options: ConnectOptions = {}): Connection {
  const sql = postgres(url, clientOptions({ ...options, max: options.max ?? 10 }));
  // Statements are prepared once per connection (see prepared-statements.ts).
  const db = drizzle(preparingClient(sql), { schema });
  const close = () => sql.end({ timeout: 5 });
  return { db, sql, close, [Symbol.asyncDispose]: close };
}

/** postgres.js options shared by our pools and sessions. */
export function clientOptions(
  options: ConnectOptions & { max: number },
): postgres.Options<Record<string, never>> {
  return {
    max: options.max,
    // NOTICEs ("relation already exists, skipping") are not worth a line on stdout.
    onnotice: () => {},
    // postgres.js waits up to 20 s between reconnects after many refusals (3^n / 100 s), so a client that
    // saw a long outage could stay away well after the server is back: retry at least once a second.
    backoff: (retries: number) => (0.5 + Math.random() / 2) * Math.min(0.1 * 2 ** retries, 1),
    connection: {
      // Our statements touch few rows, but on large tables the planner's cost of some (a page of dead
      // letters, a filtered count) crosses jit_above_cost, and compiling them takes far longer than running.
      jit: 'off',
      ...(options.statementTimeoutMs
        ? { statement_timeout: Math.max(1, Math.round(options.statementTimeoutMs)) }
        : {}),
      ...options.settings,
      application_name: options.applicationName ?? 'kaygraph',
    },
  };
}
