import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { OpenAPIObject } from 'trpc-to-openapi';
import type { CallerSource, ContextFactory } from '../context.ts';
import { describeError, errorBody } from '../errors.ts';
import type { AppRouter } from '../router.ts';
import { createCallerFactory } from '../trpc.ts';
import { readJsonBody } from './json-body.ts';
import { sendError } from './respond.ts';
import { compileRestRoutes, type RestProcedure } from './rest-routes.ts';

export interface RestHandlerOptions {
  router: AppRouter;
  document: OpenAPIObject;
  createContext: ContextFactory;
  bodyLimitBytes: number;
  logger: Logger;
}

export type RestHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;

type CallerTree = { [segment: string]: CallerTree } & ((input: unknown) => Promise<unknown>);

/** `?a=1&b=x&b=y` as `{a: '1', b: ['x', 'y']}`; keys the schema declares as arrays are arrays even once. */
function queryInput(url: URL, arrayKeys: ReadonlySet<string>): Record<string, unknown> {
  // No prototype: `?constructor=` or `?__proto__=` are plain (unknown) keys, not Object.prototype's.
  const query: Record<string, string | string[]> = Object.create(null);
  for (const [key, value] of url.searchParams) {
    const previous = query[key];
    if (previous === undefined) query[key] = arrayKeys.has(key) ? [value] : value;
    else query[key] = Array.isArray(previous) ? [...previous, value] : [previous, value];
  }
  return query;
}

/** 202 with Location for a submit, 503 for a ready check that is not ready; 200 otherwise. */
function successStatus(
  procedure: RestProcedure,
  data: unknown,
): { status: number; headers: Record<string, string> } {
  if (procedure.path === 'tasks.submit' && data && typeof data === 'object' && 'task_id' in data) {
    return { status: 202, headers: { location: `/tasks/${String(data.task_id)}` } };
  }
  if (procedure.path === 'ready' && data && typeof data === 'object' && 'status' in data) {
    return { status: data.status === 'ready' ? 200 : 503, headers: {} };
  }
  return { status: 200, headers: {} };
}

/**
 * REST over the router: the documented method and path pick the procedure, the input is the JSON body
 * (or the query string) with the path params, and the procedure runs through a tRPC caller, so auth,
 * input and output validation and the DomainError mapping are the tRPC calls' own. Errors answer with
 * the contracts ErrorBody (and Retry-After when it says when to come back).
 */
export function createRestHandler(opts: RestHandlerOptions): RestHandler {
  const route = compileRestRoutes(opts.router, opts.document);
  const createCaller = createCallerFactory(opts.router);

  return async (req, res, url) => {
    const method = (req.method ?? 'GET').toUpperCase();
    const pathname = url.pathname;
    const match = route(method, pathname);
    if (match.kind === 'not-found') {
      sendError(res, errorBody('NOT_FOUND', `no route ${method} ${pathname}`));
      return;
    }
    if (match.kind === 'method-not-allowed') {
      const message = `${method} is not allowed on ${pathname} (allowed: ${match.allow})`;
      sendError(res, errorBody('METHOD_NOT_ALLOWED', message), { allow: match.allow });
      return;
    }
    const { procedure, pathInput } = match;
    let source: unknown = {};
    if (!procedure.fromQuery) {
      const parsed = await readJsonBody(req, opts.bodyLimitBytes);
      if (!parsed.ok) {
        sendError(res, parsed.error, parsed.error.httpStatus === 413 ? { connection: 'close' } : {});
        return;
      }
      source = parsed.body;
    } else {
      source = queryInput(url, procedure.arrayKeys);
    }
    const input = procedure.noInput ? undefined : { ...(source as object), ...pathInput };
    try {
      const ctx = opts.createContext({ headers: req.headers, connectionParams: null } satisfies CallerSource);
      let call = createCaller(ctx) as unknown as CallerTree;
      for (const segment of procedure.path.split('.')) call = call[segment] as CallerTree;
      const data = await call(input);
      const { status, headers } = successStatus(procedure, data);
      const text = JSON.stringify(data) ?? '';
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': String(Buffer.byteLength(text)),
        ...headers,
      });
      res.end(text);
    } catch (error) {
      const described = describeError(error);
      if (described.httpStatus >= 500)
        opts.logger.error({ err: error, path: procedure.path }, 'REST request failed');
      sendError(res, described);
    }
  };
}
