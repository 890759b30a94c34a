import postgres from 'postgres';
import { type ConnectOptions, clientOptions } from './connect.ts';

/** One database session of its own: state that lives as long as a session (advisory locks). */
export interface Session extends AsyncDisposable {
  /** Statements on the session; after a lost connection the next one runs on a new session. */
  sql: postgres.Sql;
  /** Ends the session (and frees what it held), waiting a few seconds for a statement in flight. */
  close(): Promise<void>;
}

/**
 * Opens a client of exactly one connection, never recycled, for session state such as advisory locks.
 * Not a connection reserved from a pool: a reserved connection that drops while idle is reconnected and
 * handed to the pool's other work, and statements sent on the stale reservation may then never run.
 *
 * @example
 * await using session = openSession(url, { applicationName: 'kaygraph-slots' });
 * await session.sql`select pg_try_advisory_lock(1)`;
 */
export function openSession(
  url: string,
  options: Omit<ConnectOptions, 'max'> & {
    /** The session ended (a lost connection, or `close()`): what it held is gone. */
    onEnded?: () => void;
  } = {},
): Session {
  const sql = postgres(url, {
    ...clientOptions({ ...options, max: 1 }),
    ...(options.onEnded ? { onclose: () => options.onEnded?.() } : {}),
    // The default lifetime (30 to 60 minutes) would end the session, and its locks, under its holder.
    max_lifetime: null,
  });
  const close = () => sql.end({ timeout: 5 });
  return { sql, close, [Symbol.asyncDispose]: close };
}
