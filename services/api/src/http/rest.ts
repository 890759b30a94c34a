import type { IncomingMessage, ServerResponse } from 'node:http';
import type { OpenAPIObject } from 'trpc-to-openapi';
import type { CallerSource, ContextFactory, RestAnswer } from '../context.ts';
import { describeError, errorBody } from '../errors.ts';
import type { ServerErrorLog } from '../logging/server-errors.ts';
import type { RestMeta } from '../rest-meta.ts';
import type { AppRouter } from '../router.ts';
import { createCallerFactory } from '../trpc.ts';
import { readJsonBody } from './json-body.ts';
import { readQuery } from './query-string.ts';
import { sendError } from './respond.ts';
import { compileRestRoutes } from './rest-routes.ts';

export interface RestHandlerOptions {
  router: AppRouter;
  /** The procedures REST serves, with their metadata (rest-operations.ts). */
  operations: ReadonlyMap<string, RestMeta>;
  document: OpenAPIObject;
  createContext: ContextFactory;
  bodyLimitBytes: number;
  /** Where a call that fails on the server's side is logged. */
  serverErrors: ServerErrorLog;
}

export type RestHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;

type CallerTree = { [segment: string]: CallerTree } & ((input: unknown) => Promise<unknown>);

/** A JSON body must be an object: `null`, `"x"` or `[]` would otherwise read as "no filters". */
function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * REST over the router: the documented method and path pick the procedure, the input is the JSON body
 * (or the query string) with the path params and the fields it takes from headers (`headerFields`, and
 * `headerAlternatives` when they agree with the body), and
 * the procedure runs through a tRPC caller, so auth, limits, input and output validation and the
 * DomainError mapping are the tRPC calls' own. The success
 * status and headers come from the procedure's metadata (`successStatus`, `location`). Errors answer
 * with the contracts ErrorBody (and Retry-After when it says when to come back).
 */
export function createRestHandler(opts: RestHandlerOptions): RestHandler {
  const route = compileRestRoutes(opts.operations, opts.document);
  const createCaller = createCallerFactory(opts.router);

  return async (req, res, url) => {
    const method = (req.method ?? 'GET').toUpperCase();
    const pathname = url.pathname;
    // HEAD is the GET of the same path without its body (Node's response drops the body).
    const match = route(method === 'HEAD' ? 'GET' : method, pathname);
    if (match.kind === 'not-found') {
      const doubled = pathname.includes('//') ? ' (a doubled "/" in the path?)' : '';
      sendError(res, errorBody('NOT_FOUND', `no route ${method} ${pathname}${doubled}`));
      return;
    }
    if (match.kind === 'method-not-allowed') {
      const message = `${method} is not allowed on ${pathname} (allowed: ${match.allow})`;
      sendError(res, errorBody('METHOD_NOT_ALLOWED', message), { allow: match.allow });
      return;
    }
    const { procedure, pathInput } = match;
    try {
      let source: Record<string, unknown>;
      if (procedure.fromQuery) {
        source = readQuery(url, procedure.query);
      } else {
        const parsed = await readJsonBody(req, opts.bodyLimitBytes);
        if (!parsed.ok) {
          sendError(res, parsed.error, parsed.error.httpStatus === 413 ? { connection: 'close' } : {});
          return;
        }
        const { bodyField } = procedure.meta;
        if (bodyField) {
          source = { [bodyField]: parsed.body };
        } else if (!isJsonObject(parsed.body)) {
          sendError(res, errorBody('BAD_REQUEST', 'the JSON body must be an object ({...})'));
          return;
        } else {
          source = parsed.body;
          procedure.input.refuseKeysFromElsewhere(source, pathInput);
        }
      }
      // An operation without input is called without one, unless something was sent for it to refuse.
      const sent = Object.keys(source).length > 0;
      const fromHeaders = procedure.input.fromHeaders(req);
      procedure.input.refuseDisagreeingHeaders(source, fromHeaders);
      const input = procedure.noInput && !sent ? undefined : { ...source, ...fromHeaders, ...pathInput };
      const answer: RestAnswer = { status: 200, headers: {} };
      const ctx = opts.createContext(
        {
          headers: req.headers,
          connectionParams: null,
          remoteAddress: req.socket.remoteAddress,
        } satisfies CallerSource,
        { restAnswer: answer },
      );
      let call = createCaller(ctx) as unknown as CallerTree;
      for (const segment of procedure.segments) call = call[segment] as CallerTree;
      const data = await call(input);
      const text = JSON.stringify(data) ?? '';
      res.writeHead(answer.status, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': String(Buffer.byteLength(text)),
        ...answer.headers,
      });
      res.end(text);
    } catch (error) {
      const described = describeError(error);
      if (described.httpStatus >= 500)
        opts.serverErrors(error, { path: procedure.path }, 'REST request failed');
      sendError(res, described);
    }
  };
}
