/** The statement_timeout of a task system's connections when none is given (STATEMENT_TIMEOUT_SECONDS). */
export const DEFAULT_STATEMENT_TIMEOUT_SECONDS = 30;

/** A `statementTimeoutSeconds` option as `connect()` takes it, in milliseconds (0: none of ours). */
export function statementTimeoutMs(seconds: number = DEFAULT_STATEMENT_TIMEOUT_SECONDS): number {
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new RangeError(`statementTimeoutSeconds must be 0 (none) or more (got ${seconds})`);
  }
  return seconds === 0 ? 0 : Math.max(1, Math.round(seconds * 1000));
}

/**
 * SQLSTATEs of a statement the server gave up on for now: query_canceled (statement_timeout, or an
 * operator's pg_cancel_backend) and lock_not_available (lock_timeout). The connection is fine and the same
 * work may go through once the lock or the load that held it up is gone.
 */
const STATEMENT_GAVE_UP_CODES = new Set(['57014', '55P03']);

/** The SQLSTATE that says `error` (or an error in its `cause` chain) is a statement that timed out, if any. */
export function statementTimeoutCode(error: unknown): string | undefined {
  let current: unknown = error;
  // A few causes deep at most: a cause chain may loop.
  for (let depth = 0; depth < 8 && current && typeof current === 'object'; depth++) {
    const { code } = current as { code?: unknown };
    if (typeof code === 'string' && STATEMENT_GAVE_UP_CODES.has(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Whether `error` (or an error in its `cause` chain) is a statement cancelled by a timeout. */
export function isStatementTimeout(error: unknown): boolean {
  return statementTimeoutCode(error) !== undefined;
}
