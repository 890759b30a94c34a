/**
 * What a run hands the worker to store that PostgreSQL (or the driver, before sending it) refuses: a value
 * over jsonb's limits (a string over 256 MB), text holding the NUL character, a value too large to send.
 * This module imports nothing: worker threads load it too.
 */

/** Longest reason kept: a refusal's own message is a line, anything longer is not one. */
const MAX_REASON_CHARS = 500;

/**
 * Why a write was refused, in a line: PostgreSQL's message and detail, or the driver's, never the statement
 * or its parameters (a query error's own message carries both, the whole stored value included).
 */
export function refusalReason(error: unknown): string {
  let current: unknown = error;
  // A few causes deep at most: a cause chain may loop.
  for (let depth = 0; depth < 8 && current instanceof Error; depth++) {
    const { severity, detail } = current as { severity?: unknown; detail?: unknown };
    if (typeof severity === 'string') {
      return bounded(typeof detail === 'string' ? `${current.message}: ${detail}` : current.message);
    }
    if (current instanceof RangeError) return bounded(`too large to send to PostgreSQL (${current.message})`);
    current = current.cause;
  }
  return bounded(error instanceof Error ? error.message : String(error));
}

function bounded(text: string): string {
  return text.length > MAX_REASON_CHARS ? `${text.slice(0, MAX_REASON_CHARS)}…` : text;
}

/**
 * A checkpoint PostgreSQL refused: the run fails with it, not retried (the same store is refused again).
 * `retriable: false` is what the runtime reads, in a thread as inline.
 */
export class CheckpointRefusedError extends Error {
  readonly retriable = false;

  constructor(message: string) {
    super(message);
    this.name = 'CheckpointRefusedError';
  }
}
