import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { createOpenApiNodeHttpHandler, type OpenAPIObject } from 'trpc-to-openapi';
import type { CallerSource, ContextFactory } from '../context.ts';
import { describeError, errorBody } from '../errors.ts';
import type { AppRouter } from '../router.ts';
import { readJsonBody } from './json-body.ts';
import { sendError } from './respond.ts';
import { restRouterView } from './rest-router-view.ts';

interface RestRoute {
  method: string;
  pattern: RegExp;
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/** Method + path patterns of every documented route, for 404 vs 405 (trailing slash optional). */
function routesOf(document: OpenAPIObject): RestRoute[] {
  const routes: RestRoute[] = [];
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    const source = path.replace(/\{[^}]+\}/g, '[^/]+');
    const pattern = new RegExp(`^${source}/?$`, 'i');
    for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
      if (item?.[method]) routes.push({ method: method.toUpperCase(), pattern });
    }
  }
  return routes;
}

function isErrorShape(value: unknown): value is { data: { errorBody: unknown } } {
  if (!value || typeof value !== 'object' || !('data' in value)) return false;
  const data = value.data;
  return !!data && typeof data === 'object' && 'errorBody' in data;
}

/**
 * trpc-to-openapi answers errors with its own shape (tRPC code, raw zod issues). The error formatter
 * already put the contracts ErrorBody into `data.errorBody`; answer with exactly that.
 */
function answerErrorsWithErrorBody(res: ServerResponse): void {
  const end = res.end.bind(res) as (chunk?: unknown) => ServerResponse;
  const replacement = (chunk?: unknown) => {
    if (res.statusCode >= 400 && typeof chunk === 'string') {
      try {
        const parsed: unknown = JSON.parse(chunk);
        if (isErrorShape(parsed)) return end(JSON.stringify(parsed.data.errorBody));
      } catch {
        // not JSON: send as is
      }
    }
    return end(chunk);
  };
  res.end = replacement as ServerResponse['end'];
}

export interface RestHandlerOptions {
  router: AppRouter;
  document: OpenAPIObject;
  createContext: ContextFactory;
  bodyLimitBytes: number;
  logger: Logger;
}

export type RestHandler = (req: IncomingMessage, res: ServerResponse, pathname: string) => Promise<void>;

/** REST over the router (trpc-to-openapi), with our own body parsing, 404/405 and error bodies. */
export function createRestHandler(opts: RestHandlerOptions): RestHandler {
  const routes = routesOf(opts.document);
  const openApi = createOpenApiNodeHttpHandler({
    router: restRouterView(opts.router),
    maxBodySize: opts.bodyLimitBytes,
    createContext: ({ req }: { req: IncomingMessage }) =>
      opts.createContext({ headers: req.headers, connectionParams: null } satisfies CallerSource),
    responseMeta: ({ paths, errors, data }) => {
      const [error] = errors;
      if (error) {
        const described = describeError(error);
        const headers: Record<string, string> = {};
        if (described.retryAfterSeconds !== undefined) {
          headers['retry-after'] = String(Math.ceil(described.retryAfterSeconds));
        }
        return { status: described.httpStatus, headers };
      }
      const [path] = paths ?? [];
      const [first] = data;
      if (path === 'tasks.submit' && first && typeof first === 'object' && 'task_id' in first) {
        return { status: 202, headers: { location: `/tasks/${String(first.task_id)}` } };
      }
      if (path === 'ready' && first && typeof first === 'object' && 'status' in first) {
        return { status: first.status === 'ready' ? 200 : 503, headers: {} };
      }
      return {};
    },
    onError: ({ error, path }) => {
      if (describeError(error).httpStatus >= 500)
        opts.logger.error({ err: error, path }, 'REST request failed');
    },
  });

  return async (req, res, pathname) => {
    const method = (req.method ?? 'GET').toUpperCase();
    const matching = routes.filter((route) => route.pattern.test(pathname));
    if (matching.length === 0) {
      sendError(res, errorBody('NOT_FOUND', `no route ${method} ${pathname}`));
      return;
    }
    if (!matching.some((route) => route.method === method)) {
      const allow = [...new Set(matching.map((route) => route.method))].join(', ');
      sendError(
        res,
        errorBody('METHOD_NOT_ALLOWED', `${method} is not allowed on ${pathname} (allowed: ${allow})`),
        {
          allow,
        },
      );
      return;
    }
    if (BODY_METHODS.has(method)) {
      const parsed = await readJsonBody(req, opts.bodyLimitBytes);
      if (!parsed.ok) {
        sendError(res, parsed.error, parsed.error.httpStatus === 413 ? { connection: 'close' } : {});
        return;
      }
      // The adapter reads `req.body` when present, and checks the content type by prefix.
      Object.assign(req, { body: parsed.body });
      req.headers['content-type'] = 'application/json';
    }
    answerErrorsWithErrorBody(res);
    await openApi(req, res);
  };
}
