import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { runInRequestScope } from './request-context.ts';

/** Runs the request's handler; what `createApiServer({ onRequest })` hands the hook. */
export type RequestHook = (req: IncomingMessage, res: ServerResponse, handle: () => void) => void;

export interface FinishedRequest {
  method: string;
  /** The path as requested, without its query string. */
  path: string;
  status: number;
  seconds: number;
}

const INCOMING_ID = /^[\w.:-]{1,100}$/;
/** Probes and scrapes would drown the log at info. */
const QUIET_PATHS = new Set(['/health', '/ready', '/metrics']);

/**
 * A 503 asks the client to retry (the database cannot answer, the api is shutting down): a warning, since
 * its cause is logged once as an error; other 5xx are errors; probes and scrapes that went well are debug.
 */
function levelOf(status: number, path: string): 'error' | 'warn' | 'info' | 'debug' {
  if (status === 503) return 'warn';
  if (status >= 500) return 'error';
  return QUIET_PATHS.has(path) && status < 400 ? 'debug' : 'info';
}

/**
 * pino-http-style request logging: every request gets a request id (the caller's `x-request-id`
 * when it sends a sane one, else a new UUID), echoed in the `x-request-id` response header; one line
 * when the response finishes (or the client goes away), with method, path, status and duration.
 * Everything the handler logs through `requestLogger()` carries the same `req_id`.
 */
export function createRequestLogging(opts: {
  logger: Logger;
  onFinished?: (request: FinishedRequest) => void;
}): RequestHook {
  const { logger: base } = opts;
  return (req, res, handle) => {
    const incoming = req.headers['x-request-id'];
    const reqId = typeof incoming === 'string' && INCOMING_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('x-request-id', reqId);
    const started = performance.now();
    const method = req.method ?? 'GET';
    // Read now: once a refused body's connection is closed, `req.socket` is null.
    const remote = req.socket?.remoteAddress;
    const done = () => {
      const seconds = (performance.now() - started) / 1000;
      const status = res.statusCode;
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const level = levelOf(status, path);
      // Built only when it will be written (the bench and busy servers run at warn).
      if (base.isLevelEnabled(level)) {
        const line = {
          req_id: reqId,
          req: { method, path, remote },
          res: { status },
          response_time_ms: Math.round(seconds * 1000 * 10) / 10,
          ...(res.writableFinished ? {} : { aborted: true }),
        };
        base[level](line, status >= 500 ? 'request failed' : 'request completed');
      }
      opts.onFinished?.({ method, path, status, seconds });
    };
    // Once, at 'close': a response emits it after 'finish', or alone when the client went away first. A
    // failure to log one request must never become an uncaught exception that ends the process.
    res.on('close', () => {
      try {
        done();
      } catch (error) {
        base.error({ err: error, req_id: reqId }, 'logging a request failed');
      }
    });
    runInRequestScope(reqId, base, handle);
  };
}
