import { causeChain, codeInCauses, findCause } from '@kaygraph/contracts/cause-chain';

/**
 * What a failure of the database means, in one place: each kind is a predicate over an error and its cause
 * chain (drizzle wraps the driver's error), with the one list of codes that makes it. It imports only the
 * cause walker, so any module may use it, worker threads included.
 */

/**
 * postgres.js's code (as patched, patches/) for a server that answered "no TLS here" to a URL asking for
 * TLS (`sslmode=require`); node-postgres (pg-boss) says so in a message without a code.
 */
const TLS_REFUSED_CODE = 'SSL_NOT_SUPPORTED';
const PG_TLS_REFUSED_MESSAGE = 'The server does not support SSL connections';

/**
 * Codes that say the connection is gone or cannot be made (the server stopped, is restarting, is
 * unreachable or turns new sessions away), as Node, postgres.js and PostgreSQL report them: nothing the
 * statements themselves did. The worker waits these out, the api answers 503.
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
  // A server that stopped accepting TLS while the URL asks for it (see isTlsRefused).
  TLS_REFUSED_CODE,
]);

/** SQLSTATE class 08, connection exceptions. */
const CONNECTION_EXCEPTION = /^08[0-9A-Z]{3}$/;

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

/** The code that says `error` (or an error in its cause chain) is a lost or refused connection, if any. */
export function connectionLostCode(error: unknown): string | undefined {
  for (const cause of causeChain(error)) {
    const { code, severity } = cause as { code?: unknown; severity?: unknown };
    if (typeof code === 'string' && (CONNECTION_LOST_CODES.has(code) || CONNECTION_EXCEPTION.test(code)))
      return code;
    if (code === REFUSED_SESSION_CODE && severity === 'FATAL') return code;
    if (code === undefined && cause instanceof Error && PG_TERMINATED_MESSAGES.has(cause.message))
      return 'CONNECTION_TERMINATED';
    if (code === undefined && cause instanceof Error && cause.message === PG_TLS_REFUSED_MESSAGE)
      return TLS_REFUSED_CODE;
  }
  return undefined;
}

/** Whether `error` (or an error in its cause chain) is a lost or refused connection. */
export function isConnectionLost(error: unknown): boolean {
  return connectionLostCode(error) !== undefined;
}

/**
 * postgres.js's codes for a query on a pool this process is closing (a request in flight at shutdown):
 * not a lost connection, since retrying on that pool never succeeds.
 */
const POOL_CLOSING_CODES = new Set(['CONNECTION_ENDED', 'CONNECTION_DESTROYED']);

/** Whether `error` is a query on a pool this process is closing. */
export function isPoolClosing(error: unknown): boolean {
  return codeInCauses(error, (code) => POOL_CLOSING_CODES.has(code)) !== undefined;
}

/**
 * SQLSTATEs of a statement the server gave up on for now: query_canceled (statement_timeout, or an
 * operator's pg_cancel_backend) and lock_not_available (lock_timeout). The connection is fine and the same
 * work may go through once the lock or the load that held it up is gone.
 */
const STATEMENT_GAVE_UP_CODES = new Set(['57014', '55P03']);

/** Whether `error` (or an error in its cause chain) is a statement cancelled by a timeout. */
export function isStatementTimeout(error: unknown): boolean {
  return codeInCauses(error, (code) => STATEMENT_GAVE_UP_CODES.has(code)) !== undefined;
}

/**
 * Whether the database cannot answer now: the connection is lost or refused, or a statement timed out (a
 * lock or a load holds it up). The worker waits both out; neither is the work's fault.
 */
export function isDatabaseAway(error: unknown): boolean {
  return isConnectionLost(error) || isStatementTimeout(error);
}

/**
 * deadlock_detected and serialization_failure: PostgreSQL rolled the whole transaction back, so running it
 * again is safe and may go through.
 */
const TRANSACTION_CONFLICT_CODES = new Set(['40P01', '40001']);

/** Whether `error` is a transaction PostgreSQL aborted as a deadlock victim or a serialization failure. */
export function isTransactionConflict(error: unknown): boolean {
  return codeInCauses(error, (code) => TRANSACTION_CONFLICT_CODES.has(code)) !== undefined;
}

/** unique_violation: a row with the same key exists (a name already taken). */
const UNIQUE_VIOLATION_CODE = '23505';

/** Whether `error` is an insert or update refused by a unique index. */
export function isUniqueViolation(error: unknown): boolean {
  return codeInCauses(error, (code) => code === UNIQUE_VIOLATION_CODE) !== undefined;
}

/**
 * SQLSTATEs of PostgreSQL refusing a session for what the database URL says: invalid_catalog_name (no
 * such database), invalid_password, invalid_authorization_specification (a role it does not accept).
 */
const URL_REFUSAL_CODES = ['3D000', '28P01', '28000'] as const;
export type UrlRefusalCode = (typeof URL_REFUSAL_CODES)[number];

const isUrlRefusalCode = (code: unknown): code is UrlRefusalCode =>
  (URL_REFUSAL_CODES as readonly unknown[]).includes(code);

/** PostgreSQL's refusal of a session for what the URL says (its SQLSTATE and message), if `error` is one. */
export function urlRefusalIn(error: unknown): { code: UrlRefusalCode; message: string } | undefined {
  for (const cause of causeChain(error)) {
    const { code, message } = cause as { code?: unknown; message?: unknown };
    if (isUrlRefusalCode(code) && typeof message === 'string') return { code, message };
  }
  return undefined;
}

/**
 * Whether the server turned the connection away because it accepts no TLS and the database URL asks for
 * it: at start, not a database out of reach (it answered), though at run time it is waited out as one.
 */
export function isTlsRefused(error: unknown): boolean {
  return connectionLostCode(error) === TLS_REFUSED_CODE;
}

/** too_many_connections: the server (max_connections) or the role or database (CONNECTION LIMIT) is full. */
const TOO_MANY_CONNECTIONS_CODE = '53300';

/**
 * PostgreSQL's message when it turned a session away for want of connections, if `error` is that: at start,
 * not a database out of reach (it answered), though at run time it is waited out as one.
 */
export function tooManyConnectionsIn(error: unknown): string | undefined {
  const cause = findCause(
    error,
    (candidate) => (candidate as { code?: unknown }).code === TOO_MANY_CONNECTIONS_CODE,
  );
  const message = (cause as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? message : undefined;
}

/** SQLSTATE class 22, data exception: a value PostgreSQL refuses (text holding NUL, a value out of range). */
const DATA_EXCEPTION_CLASS = '22';

/**
 * SQLSTATE classes of what a value itself makes PostgreSQL refuse: data exceptions, and program limits
 * (54: a jsonb string over 256 MB). Everything else (a lost connection, a deadlock, a full disk, a missing
 * column mid-deploy) is not the value's fault.
 */
const VALUE_REFUSED_CLASSES = new Set([DATA_EXCEPTION_CLASS, '54']);

type SqlStateError = Error & { code: string; severity: string };

/** PostgreSQL's own report of a failed statement, from either driver: a SQLSTATE `code` and a `severity`. */
function isSqlStateError(value: object): value is SqlStateError {
  const { code, severity } = value as { code?: unknown; severity?: unknown };
  return value instanceof Error && typeof code === 'string' && typeof severity === 'string';
}

/** Whether the first PostgreSQL error in `error`'s chain is a data exception: a value it refused, not its fault. */
export function isDataException(error: unknown): boolean {
  return findCause(error, isSqlStateError)?.code.startsWith(DATA_EXCEPTION_CLASS) ?? false;
}

/** Longest reason kept: a refusal's own message is a line, anything longer is not one. */
const MAX_REASON_CHARS = 500;

/**
 * The error in `error`'s cause chain that says a value cannot be stored, if any: PostgreSQL's refusal of it,
 * a value too large to send (a string over V8's limit), or an artifact over MAX_ARTIFACT_BYTES.
 */
function refusalIn(error: unknown): Error | undefined {
  const found = findCause(
    error,
    (cause): cause is Error =>
      cause instanceof Error &&
      (isSqlStateError(cause) || cause instanceof RangeError || cause.name === 'ArtifactTooLargeError'),
  );
  if (found === undefined || !isSqlStateError(found)) return found;
  return VALUE_REFUSED_CLASSES.has(found.code.slice(0, 2)) ? found : undefined;
}

/**
 * Whether a write failed for what it holds, so the same write would fail again: only then does the run
 * fail for it (not retried). Any other failure keeps its own handling (retries, the liveness monitor).
 */
export function isStorageRefusal(error: unknown): boolean {
  return refusalIn(error) !== undefined;
}

/**
 * Why a write was refused, in a line: PostgreSQL's message and detail, or the driver's, never the statement
 * or its parameters (a query error's own message carries both, the whole stored value included).
 */
export function refusalReason(error: unknown): string {
  const refusal = refusalIn(error);
  if (!refusal) return 'the database refused it';
  if (refusal instanceof RangeError) return bounded(`too large to send to PostgreSQL (${refusal.message})`);
  const { detail } = refusal as { detail?: unknown };
  return bounded(typeof detail === 'string' ? `${refusal.message}: ${detail}` : refusal.message);
}

function bounded(text: string): string {
  return text.length > MAX_REASON_CHARS ? `${text.slice(0, MAX_REASON_CHARS)}…` : text;
}
