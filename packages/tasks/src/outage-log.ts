import type { Logger } from 'pino';
import { isDatabaseAway } from './database-errors.ts';

export interface OutageLog {
  /** A try failed: logged as an error, unless it is one more failure of an outage already logged. */
  failed(error: unknown, fields?: Record<string, unknown>): void;
  /** A try went through: ends the outage (logged when one was). */
  succeeded(): void;
}

/**
 * The log of work that repeats by itself (a pass, a library's loop), so that a database outage is one
 * error line, not one per try (the dispatcher's fetches, the worker beat): the first failure because the
 * database is away (a lost connection, or a statement timed out behind a lock) is an error with `msg`, the
 * next ones are debug lines, until `succeeded()` logs
 * "`what` goes through again". For work that never says it succeeded, `quietMs` without such a failure
 * ends the outage. Failures for any other reason are errors every time.
 */
export function createOutageLog(
  logger: Logger,
  what: string,
  options: { msg?: string; quietMs?: number } = {},
): OutageLog {
  const msg = options.msg ?? `${what} failed`;
  let failures = 0;
  let lastFailureAt = 0;
  return {
    failed(error, fields = {}) {
      if (!isDatabaseAway(error)) {
        logger.error({ err: error, ...fields }, msg);
        return;
      }
      const now = Date.now();
      if (options.quietMs !== undefined && now - lastFailureAt >= options.quietMs) failures = 0;
      lastFailureAt = now;
      if (failures++ === 0) logger.error({ err: error, ...fields }, msg);
      else logger.debug({ err: error, ...fields, failures }, msg);
    },
    succeeded() {
      if (failures === 0) return;
      logger.info({ failures }, `${what} goes through again`);
      failures = 0;
    },
  };
}
