import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_MAX_BATCH_SIZE, type Readiness, UNREACHABLE_READINESS } from '@kaygraph/contracts';
import type { OrchestrationService, TaskService, WorkflowRegistry } from '@kaygraph/tasks';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import packageJson from '../package.json' with { type: 'json' };
import type { StreamScope } from './auth/stream-token.ts';
import type { StreamTokens } from './auth/stream-tokens.ts';
import {
  anonymousCaller,
  type CallerResolver,
  createContextFactory,
  type OpenConnection,
} from './context.ts';
import { describeError, errorBody } from './errors.ts';
import { ARTIFACT_PATH, serveArtifact } from './http/artifact-download.ts';
import { createCrossOriginPolicy } from './http/cross-origin.ts';
import { serveDocs } from './http/docs.ts';
import { readQuery } from './http/query-string.ts';
import { keySource, loggablePath, requestUrl, UNPARSABLE_URL } from './http/request-url.ts';
import { sendError, sendJson } from './http/respond.ts';
import { createRestHandler } from './http/rest.ts';
import { compileDeclaredQueries } from './http/rest-routes.ts';
import type { KeyAdmin } from './keys/key-admin.ts';
import type { RequestHook } from './logging/request-logging.ts';
import { createServerErrorLog } from './logging/server-errors.ts';
import type { MetricsService } from './metrics/metrics-service.ts';
import { buildOpenApiDocument } from './openapi.ts';
import { withRegisteredWorkflows } from './openapi-workflows.ts';
import type { SubmissionLimiter } from './rate-limit/submission-limits.ts';
import { REST_OPERATIONS } from './rest-operations.ts';
import { appRouter } from './router.ts';
import type { DocumentSearch } from './search/document-search.ts';
import { streamGroupOverSse } from './streams/group-sse.ts';
import { StreamRegistry } from './streams/registry.ts';
import { streamTaskOverSse } from './streams/sse.ts';
import { streamCredentialOf } from './streams/stream-credential.ts';
import { TaskOutcomes } from './streams/task-outcome.ts';
import { withEventStreamHint } from './streams/trpc-event-stream.ts';
import {
  DEFAULT_SUBSCRIPTION_CAPS,
  type SubscriptionCapLimits,
  SubscriptionCaps,
} from './subscriptions/subscription-caps.ts';
import { subscriberOf } from './subscriptions/subscription-slot.ts';
import { createTrpcTransports } from './trpc-transports.ts';
import { createUpgradeListener, SOCKET_PATH } from './ws/upgrade.ts';

/** A route another module adds (metrics, dashboard ...): answer and return true, or return false. */
export type ExtraRoute = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;

export interface ApiServerOptions {
  tasks: TaskService;
  /** The workflows workers registered (TaskSystem.workflows): `workflows.list`, the OpenAPI document. */
  workflows: WorkflowRegistry;
  /** Groups, schedules and dead letters (TaskSystem.orchestration); without it those answer 503. */
  orchestration?: OrchestrationService;
  /** Database reachable, migrations applied (TaskSystem.ready). */
  ready: () => Promise<Readiness>;
  logger: Logger;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  bodyLimitBytes?: number;
  /** MAX_BATCH_SIZE: calls per tRPC batch; the OpenAPI document states it where the task system applies it. */
  maxBatchSize?: number;
  resolveCaller?: CallerResolver;
  /** Interval of SSE `: ping` comments. */
  heartbeatMs?: number;
  extraRoutes?: ExtraRoute[];
  /** Where `extraRoutes` serve the dashboard (dashboardRoute: `/dashboard/`), linked from `GET /`. */
  dashboardLink?: string;
  /** On close: how long requests in flight may take before their connections are cut (default 2000). */
  closeGraceMs?: number;
  /** Queue metrics for the `metrics` procedure (createApiOperations). */
  metrics?: MetricsService;
  /** Document search for the `search` procedure (createApiOperations). */
  search?: DocumentSearch;
  /** API key management for the `keys` procedures (createApiOperations). */
  keys?: KeyAdmin;
  /** Stream tokens (`tasks.streamToken`, `?token=` on the streams; createApiOperations); absent: 503, refused. */
  streamTokens?: StreamTokens;
  /** Put stacks into tRPC error shapes: for NODE_ENV=development only (default false). */
  errorStacks?: boolean;
  /** Wraps every HTTP request (request id, logging); must call `handle`. */
  onRequest?: RequestHook;
  /** Submission rate limits per API key (createApiOperations); absent: none. */
  limits?: SubmissionLimiter;
  /** Where submits, cancels and retries are logged (createApiOperations); absent: not logged. */
  taskLog?: Logger;
  /** Open subscriptions per tRPC WebSocket and per key (default 100 and 1,000). */
  subscriptionCaps?: SubscriptionCapLimits;
  /** CORS_ORIGINS: origins whose pages may call the api from a browser (`*`: any); default none. */
  corsOrigins?: readonly string[];
}

export interface ApiServer extends AsyncDisposable {
  url: string;
  port: number;
  server: Server;
  /** Stops accepting, tells every stream to reconnect, then closes what remains. */
  close(): Promise<void>;
}

const STREAM_PATH = /^\/tasks\/([^/]+)\/stream\/?$/i;
const GROUP_STREAM_PATH = /^\/groups\/([^/]+)\/stream\/?$/i;
const METRICS_PATH = /^\/metrics\/?$/i;

/** One HTTP server: tRPC (HTTP, SSE, WS at /trpc), REST, OpenAPI, docs, SSE stream, raw task socket. */
export async function createApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const { logger } = opts;
  const bodyLimitBytes = opts.bodyLimitBytes ?? 1_048_576;
  const maxBatchSize = opts.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE;
  const resolveCaller = opts.resolveCaller ?? anonymousCaller;
  const capLimits = opts.subscriptionCaps ?? DEFAULT_SUBSCRIPTION_CAPS;
  const subscriptionCaps = new SubscriptionCaps(capLimits);
  const createContext = createContextFactory(
    {
      tasks: opts.tasks,
      workflows: opts.workflows,
      orchestration: opts.orchestration,
      version: packageJson.version,
      dashboardLink: opts.dashboardLink,
      metrics: opts.metrics,
      search: opts.search,
      keys: opts.keys,
      streamTokens: opts.streamTokens,
      limits: opts.limits,
      taskLog: opts.taskLog,
      subscriptionCaps,
      errorStacks: opts.errorStacks ?? false,
      startedAt: Date.now(),
      ready: async () => {
        const state = await opts.ready().catch(() => UNREACHABLE_READINESS);
        return { status: state.database && state.migrations === true ? 'ready' : 'not_ready', ...state };
      },
    },
    resolveCaller,
  );
  const document = buildOpenApiDocument({ maxBatchSize });
  const documentJson = JSON.stringify(document);
  const declaredQuery = compileDeclaredQueries(document);
  // The served document adds what workers registered, for a caller who may list workflows (as GET
  // /workflows: any key, or none on an open api); for others, and while the registry cannot be read, the
  // router's alone.
  const servedDocument = async (req: IncomingMessage, url: URL) => {
    const mayList = await resolveCaller(keySource(req, url)).then(
      () => true,
      () => false,
    );
    if (!mayList) return documentJson;
    return opts.workflows
      .list({ workerHosts: false })
      .then((workflows) => JSON.stringify(withRegisteredWorkflows(document, workflows)))
      .catch((error: unknown) => {
        logger.warn({ err: error }, 'reading the registered workflows for /openapi.json failed');
        return documentJson;
      });
  };
  const registry = new StreamRegistry();
  const outcomes = new TaskOutcomes(opts.tasks);
  // Browsers cannot set headers on EventSource or WebSocket: the hand-written streams also take a stream
  // token for `scope` as `?token=`, or the API key as `?api_key=`.
  const streamOptions = (req: IncomingMessage, url: URL, scope?: StreamScope) => {
    const credential = streamCredentialOf(req, url, scope, {
      resolveCaller,
      streamTokens: opts.streamTokens,
    });
    return {
      tasks: opts.tasks,
      outcomes,
      registry,
      logger,
      heartbeatMs: opts.heartbeatMs ?? 15_000,
      readOnly: credential.readOnly,
      caller: async (connection?: OpenConnection) => {
        const { caller, key } = await credential.resolve(connection);
        // An open stream holds a subscription slot of its key until it ends, as tRPC subscriptions do.
        if (connection) {
          const slot = subscriptionCaps.acquire(undefined, subscriberOf(caller, key));
          connection.onClosed(() => slot[Symbol.dispose]());
        }
        return caller;
      },
    };
  };
  const serverErrors = createServerErrorLog(logger);
  const crossOrigin = createCrossOriginPolicy(opts.corsOrigins ?? []);
  const trpc = createTrpcTransports({
    createContext,
    maxBatchSize,
    subscriptionsPerSocket: capLimits.perConnection,
    bodyLimitBytes,
    serverErrors,
    variesByOrigin: crossOrigin.variesByOrigin,
  });
  const rest = createRestHandler({
    router: appRouter,
    operations: REST_OPERATIONS,
    document,
    createContext,
    bodyLimitBytes,
    serverErrors,
  });
  const taskWss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    // Before anything else: a preflight is answered here, and every answer to a listed origin says so.
    if (crossOrigin.answer(req, res)) return;
    const url = requestUrl(req);
    if (!url) return sendError(res, errorBody('BAD_REQUEST', UNPARSABLE_URL));
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (path === '/trpc' || path.startsWith('/trpc/')) {
      // A GET may be a subscription over SSE (EventSource only GETs): its stream gets the reconnect hint.
      if (method === 'GET') withEventStreamHint(res, registry);
      if (method === 'GET' || method === 'POST') return trpc.http(req, res);
      const message = `${method} is not allowed on ${path} (tRPC answers GET and POST)`;
      return sendError(res, errorBody('METHOD_NOT_ALLOWED', message), { allow: 'GET, POST' });
    }
    // Every documented operation (REST and hand-written alike) refuses a query parameter it does not
    // declare, and numbers not in decimal digits, before anything else answers it (no query: nothing to refuse).
    const declared =
      url.search === '' ? undefined : declaredQuery(method === 'HEAD' ? 'GET' : method.toUpperCase(), path);
    if (declared) {
      try {
        readQuery(url, declared);
      } catch (error) {
        return sendError(res, describeError(error));
      }
    }
    for (const route of opts.extraRoutes ?? []) if (await route(req, res, url)) return;
    // Documented, but served by the metrics route of createApiOperations; without it, say so.
    if (METRICS_PATH.test(path) && (method === 'GET' || method === 'HEAD'))
      return sendError(res, errorBody('UNAVAILABLE', 'this api was started without metrics'));
    // HEAD is answered as the GET of the same path, without the body (Node's response drops it), as
    // every 405's Allow says: a stream's HEAD ends after its GET's checks and headers.
    const reading = method === 'GET' || method === 'HEAD';
    if (reading && (path === '/openapi.json' || path === '/openapi.json/')) {
      const served = await servedDocument(req, url);
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(served);
      return;
    }
    if (reading && (await serveDocs(path, res))) return;
    const artifact = ARTIFACT_PATH.exec(path);
    if (artifact?.[1] && artifact[2] && reading) {
      return serveArtifact(req, res, artifact[1], artifact[2], {
        tasks: opts.tasks,
        logger,
        // Watched for revocation as a stream is, without holding one of its key's subscription slots.
        caller: async (connection) => (await resolveCaller({ ...keySource(req, url), connection })).caller,
      });
    }
    const stream = STREAM_PATH.exec(path);
    if (stream?.[1] && reading)
      return streamTaskOverSse(req, res, stream[1], streamOptions(req, url, { kind: 'task', id: stream[1] }));
    const groupStream = GROUP_STREAM_PATH.exec(path);
    if (groupStream?.[1] && reading) {
      const scope = { kind: 'group', id: groupStream[1] } as const;
      const { caller, registry: streams, heartbeatMs } = streamOptions(req, url, scope);
      return streamGroupOverSse(req, res, groupStream[1], {
        orchestration: opts.orchestration,
        caller,
        registry: streams,
        logger,
        heartbeatMs,
      });
    }
    if (SOCKET_PATH.test(path) && reading) {
      return sendError(
        res,
        errorBody('BAD_REQUEST', `${path} is a WebSocket: connect with an Upgrade request`),
      );
    }
    return rest(req, res, url);
  };

  const serve = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error: unknown) => {
      serverErrors(error, { path: loggablePath(req) }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { code: 'INTERNAL', message: 'internal error' });
      else res.end();
    });
  };
  const { onRequest } = opts;
  // Only a GET upgrades (RFC 6455): another method asking to is answered as plain HTTP, so a HEAD is its
  // GET without a body and any other gets the 405 with Allow, not ws's bare 405.
  const server = createServer(
    { shouldUpgradeCallback: (req) => req.method === 'GET' },
    onRequest ? (req, res) => onRequest(req, res, () => serve(req, res)) : serve,
  );

  server.on(
    'upgrade',
    createUpgradeListener({
      trpc: trpc.wss,
      task: taskWss,
      declaredQuery,
      taskSocketOptions: (req, url, taskId) => streamOptions(req, url, { kind: 'task', id: taskId }),
      crossOrigin,
      logger,
    }),
  );

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8000, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${address.port}`;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      trpc.broadcastReconnect();
      registry.closeAll();
      for (const client of taskWss.clients) client.close(1012, 'server restarting');
      // A moment for the notices to leave, then drop the sockets.
      await new Promise((resolve) => setTimeout(resolve, 100));
      for (const client of [...trpc.wss.clients, ...taskWss.clients]) client.terminate();
      trpc.wss.close();
      taskWss.close();
      // Requests in flight may finish; what still holds a connection after the grace (a slow client) is
      // cut, and a stream's client reconnects with its last event id.
      server.closeIdleConnections();
      const cut = setTimeout(() => server.closeAllConnections(), opts.closeGraceMs ?? 2_000);
      await closed;
      clearTimeout(cut);
    })();
    return closing;
  };

  return { url, port: address.port, server, close, [Symbol.asyncDispose]: close };
}
