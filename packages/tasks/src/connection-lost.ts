import { isStatementTimeout } from './statement-timeout.ts';

/**
 * Error codes that say the connection is gone or cannot be made (the server stopped, is restarting, is
 * unreachable or turns new sessions away), as Node, postgres.js and PostgreSQL report them: nothing the
 * statements themselves did. The one list of them: the worker waits these out, the api answers 503.
 */
const CONNECTION_LOST_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  // A host that cannot be resolved or reached for now (a restarting container leaves DNS for a while).
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'CONNECTION_CLOSED',
  'CONNECT_TIMEOUT',
  // admin_shutdown (also pg_terminate_backend), crash_shutdown, cannot_connect_now ("the database system
  // is starting up", "... is shutting down", "... is in recovery mode")
  '57P01',
  '57P02',
  '57P03',
  // too_many_connections: only ever raised as a session starts ("sorry, too many clients already").
  '53300',
]);

/**
 * object_not_in_prerequisite_state is "database ... is not currently accepting connections" (ALLOW_CONNECTIONS
 * false) only when it ends the session (FATAL); as a statement's ERROR it is that statement's fault.
 */
const REFUSED_SESSION_CODE = '55000';

/**
 * node-postgres (pg-boss's driver) reports a connection cut under it with these messages and no code; they
 * stand for the code CONNECTION_TERMINATED here.
 */
const PG_TERMINATED_MESSAGES = new Set([
  'Connection terminated unexpectedly',
  'Connection terminated due to connection timeout',
]);

/** The code that says `error` (or an error in its `cause` chain) is a lost or refused connection, if any. */
export function connectionLostCode(error: unknown): string | undefined {
  let current: unknown = error;
  // A few causes deep at most: a cause chain may loop.
  for (let depth = 0; depth < 8 && current && typeof current === 'object'; depth++) {
    const { code, severity } = current as { code?: unknown; severity?: unknown };
    // Class 08: connection exceptions.
    if (typeof code === 'string' && (CONNECTION_LOST_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code)))
      return code;
    if (code === REFUSED_SESSION_CODE && severity === 'FATAL') return code;
    if (code === undefined && current instanceof Error && PG_TERMINATED_MESSAGES.has(current.message))
      return 'CONNECTION_TERMINATED';
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Whether `error` (or an error in its `cause` chain) is a lost or refused connection. */
export function isConnectionLost(error: unknown): boolean {
  return connectionLostCode(error) !== undefined;
}

/**
 * Whether the database cannot answer now: the connection is lost or refused, or a statement timed out (a
 * lock or a load holds it up). The worker waits both out; neither is the work's fault.
 */
export function isDatabaseAway(error: unknown): boolean {
  return isConnectionLost(error) || isStatementTimeout(error);
}

/** The longest pause between two tries while the database is away. */
const MAX_PAUSE_MS = 2000;

/**
 * Runs `work` again, with a growing pause (100 ms to 2 s, jittered), for as long as it fails because the
 * database is away (`isDatabaseAway`: an outage, or a statement timed out behind a lock): a live worker
 * never gives up on either. It stops only when `signal` aborts (the runtime's stop after its grace),
 * throwing the last error; any other error is thrown at once. Only for work that is one transaction: a
 * failed one rolled back, and one whose COMMIT was cut off is in or out as a whole, so running it again is
 * harmless (the worker's writes are fenced by attempt and status).
 */
export async function retryWhileDatabaseAway<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  for (let pauseMs = 100; ; pauseMs = Math.min(pauseMs * 2, MAX_PAUSE_MS)) {
    try {
      return await work();
    } catch (error) {
      if (!isDatabaseAway(error) || signal?.aborted) throw error;
      await pause(pauseMs * (0.5 + Math.random() / 2), signal);
    }
  }
}

/** Waits `ms`, or less when `signal` aborts. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
