import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from 'pino';

interface RequestScope {
  reqId: string;
  base: Logger;
  /** The child logger with `req_id`, made on first use: most requests log nothing below warn. */
  logger?: Logger;
}

const scope = new AsyncLocalStorage<RequestScope>();

/** Runs `work` with this request's id (and a logger of `base` with its `req_id`) reachable from everything it awaits. */
export function runInRequestScope<T>(reqId: string, base: Logger, work: () => T): T {
  return scope.run({ reqId, base }, work);
}

/** The current request's logger (with `req_id`), or `fallback` outside a request. */
export function requestLogger(fallback: Logger): Logger {
  const current = scope.getStore();
  if (!current) return fallback;
  current.logger ??= current.base.child({ req_id: current.reqId });
  return current.logger;
}
