/**
 * Error codes that say the connection is gone or cannot be made (the server stopped, is restarting or is
 * unreachable), as Node, postgres.js and PostgreSQL report them: nothing the statements themselves did.
 */
const CONNECTION_LOST_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'CONNECTION_CLOSED',
  'CONNECT_TIMEOUT',
  // admin_shutdown, crash_shutdown, cannot_connect_now ("the database system is starting up")
  '57P01',
  '57P02',
  '57P03',
]);

/** Whether `error` (or an error in its `cause` chain) is a lost or refused connection. */
export function isConnectionLost(error: unknown): boolean {
  let current: unknown = error;
  while (current && typeof current === 'object') {
    const code = (current as { code?: unknown }).code;
    // Class 08: connection exceptions.
    if (typeof code === 'string' && (CONNECTION_LOST_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code)))
      return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Runs `work` again, with a growing pause, while it fails because the connection is lost, for up to
 * `patienceMs`; then (or on any other error) throws. Only for work that is one transaction: a failed one
 * rolled back, and one whose COMMIT was cut off is either in or out as a whole, so running it again must be
 * harmless (the worker's writes are fenced by attempt and status).
 */
export async function retryWhileConnectionLost<T>(work: () => Promise<T>, patienceMs: number): Promise<T> {
  const giveUpAt = Date.now() + patienceMs;
  for (let pauseMs = 100; ; pauseMs = Math.min(pauseMs * 2, 2000)) {
    try {
      return await work();
    } catch (error) {
      if (!isConnectionLost(error) || Date.now() + pauseMs > giveUpAt) throw error;
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }
}
