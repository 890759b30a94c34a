/** The statement_timeout of a task system's connections when none is given (STATEMENT_TIMEOUT_SECONDS). */
export const DEFAULT_STATEMENT_TIMEOUT_SECONDS = 30;

/** A `statementTimeoutSeconds` option as `connect()` takes it, in milliseconds (0: none of ours). */
export function statementTimeoutMs(seconds: number = DEFAULT_STATEMENT_TIMEOUT_SECONDS): number {
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new RangeError(`statementTimeoutSeconds must be 0 (none) or more (got ${seconds})`);
  }
  return seconds === 0 ? 0 : Math.max(1, Math.round(seconds * 1000));
}
