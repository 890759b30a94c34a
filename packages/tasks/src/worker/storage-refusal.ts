/**
 * What a run hands the worker to store that PostgreSQL (or the driver, before sending it) refuses: a value
 * over jsonb's limits (a string over 256 MB), text holding the NUL character, a value too large to send.
 * This module imports nothing: worker threads load it too.
 */

/** Longest reason kept: a refusal's own message is a line, anything longer is not one. */
const MAX_REASON_CHARS = 500;

/**
 * SQLSTATE classes of what a value itself makes PostgreSQL refuse: data exceptions (22: text holding NUL,
 * a value out of range) and program limits (54: a jsonb string over 256 MB). Everything else (a lost
 * connection, a deadlock, a full disk, a missing column mid-deploy) is not the value's fault.
 */
const REFUSING_SQLSTATE_CLASSES = ['22', '54'];

/** The error in `error`'s cause chain that says the value itself cannot be stored, if any. */
function refusalIn(error: unknown): Error | undefined {
  let current: unknown = error;
  // A few causes deep at most: a cause chain may loop.
  for (let depth = 0; depth < 8 && current instanceof Error; depth++) {
    const { severity, code } = current as { severity?: unknown; code?: unknown };
    if (typeof severity === 'string' && typeof code === 'string') {
      return REFUSING_SQLSTATE_CLASSES.includes(code.slice(0, 2)) ? current : undefined;
    }
    // Too large to send (a string over V8's limit), or an artifact over MAX_ARTIFACT_BYTES.
    if (current instanceof RangeError || current.name === 'ArtifactTooLargeError') return current;
    current = current.cause;
  }
  return undefined;
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
