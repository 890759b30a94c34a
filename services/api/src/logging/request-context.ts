import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from 'pino';

interface RequestScope {
  reqId: string;
  logger: Logger;
}

const scope = new AsyncLocalStorage<RequestScope>();

/** Runs `work` with this request's logger reachable from everything it awaits. */
export function runInRequestScope<T>(reqId: string, logger: Logger, work: () => T): T {
  return scope.run({ reqId, logger }, work);
}

/** The current request's logger (with `req_id`), or `fallback` outside a request. */
export function requestLogger(fallback: Logger): Logger {
  return scope.getStore()?.logger ?? fallback;
}

export function currentRequestId(): string | undefined {
  return scope.getStore()?.reqId;
}
