import type { Logger } from 'pino';
import { describeError, isDatabaseOutage } from '../errors.ts';
import { requestLogger } from './request-context.ts';

/** An outage is over once no request has failed for the database for this long; the next failure starts another. */
const OUTAGE_QUIET_MS = 60_000;

/** Logs a request that failed on the api's side (its answer is a 5xx), with the request's `req_id`. */
export type ServerErrorLog = (error: unknown, fields: Record<string, unknown>, msg: string) => void;

/**
 * The api's one log of server errors (REST, tRPC, the other routes). While the database cannot answer, every
 * request fails the same way: the first failure of an outage is an error line with its cause, the next ones
 * debug lines (each request's own `request failed` line still says it answered 503), until a minute passes
 * without one. Any other server error is an error line every time, a statement timeout too: it is one
 * request held up (behind a lock, say), not the database away, and must not hide an outage that follows.
 */
export function createServerErrorLog(logger: Logger): ServerErrorLog {
  let outageFailures = 0;
  let lastOutageFailureAt = Number.NEGATIVE_INFINITY;
  return (error, fields, msg) => {
    const log = requestLogger(logger);
    if (!isDatabaseOutage(error)) {
      log.error({ err: error, ...fields }, msg);
      return;
    }
    const now = Date.now();
    if (now - lastOutageFailureAt >= OUTAGE_QUIET_MS) outageFailures = 0;
    lastOutageFailureAt = now;
    if (outageFailures++ === 0) {
      const outage = `${describeError(error).body.message}; more requests failing for it are logged at debug`;
      log.error({ err: error, ...fields, outage }, msg);
    } else log.debug({ err: error, ...fields, failures: outageFailures }, msg);
  };
}
