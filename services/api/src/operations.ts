import { connect } from '@kaygraph/db';
import { type OrchestrationService, statementTimeoutMs, type TaskService } from '@kaygraph/tasks';
import type { Logger } from 'pino';
import { type ApiKeyAuth, createApiKeyAuth } from './auth/api-key-auth.ts';
import {
  createStreamTokens,
  DEFAULT_STREAM_TOKEN_TTL_SECONDS,
  type StreamTokens,
} from './auth/stream-tokens.ts';
import { createKeyAdmin, type KeyAdmin } from './keys/key-admin.ts';
import { createRequestLogging, type RequestHook } from './logging/request-logging.ts';
import { metricsRoute } from './metrics/metrics-route.ts';
import { createMetricsService } from './metrics/metrics-service.ts';
import { createPrometheusMetrics, type TaskEventFeed } from './metrics/prometheus.ts';
import { createFailedAuthLimiter } from './rate-limit/failed-auth-limits.ts';
import { createSubmissionLimiter } from './rate-limit/submission-limits.ts';
import { createLeasedBuckets } from './rate-limit/token-lease.ts';
import { createDocumentSearch, type DocumentSearch } from './search/document-search.ts';
import type { ApiServerOptions } from './server.ts';

export interface ApiOperationsOptions {
  databaseUrl: string;
  logger: Logger;
  /** The task event feed (TaskSystem.events) that drives the Prometheus counters. */
  feed?: TaskEventFeed;
  /** Require a key before the first one exists (AUTH_REQUIRED, or a network bind: see open-mode.ts). */
  authRequired?: boolean;
  /** Why, for the startup log. */
  authRequiredBecause?: string | undefined;
  /** RATE_LIMIT_PER_MINUTE (0: off) and RATE_LIMIT_BURST. */
  rateLimit?: { perMinute: number; burst: number };
  /** AUTH_FAILURES_PER_MINUTE (0: off) and AUTH_FAILURES_BURST: unknown or revoked keys per client address. */
  failedAuthLimit?: { perMinute: number; burst: number };
  /** TRUSTED_PROXY_HOPS: proxies in front whose `X-Forwarded-For` names the client (default 0: none). */
  trustedProxyHops?: number;
  /** STREAM_TOKEN_TTL_SECONDS: how long a stream token opens its stream (default 300). */
  streamTokenTtlSeconds?: number;
  /** How long the auth decision and verified keys are cached (default 2000 ms). */
  authCacheMs?: number;
  metricsWindowSeconds?: number;
  /** The registered workflows (TaskSystem.workflows.names): their Prometheus task counters start at 0. */
  workflowNames?: () => Promise<string[]>;
  processMetrics?: boolean;
  /** `statement_timeout` of its connections, in seconds (STATEMENT_TIMEOUT_SECONDS; default 30; 0: none of ours). */
  statementTimeoutSeconds?: number;
}

type ServerOptionsFromOperations = Pick<
  ApiServerOptions,
  | 'resolveCaller'
  | 'limits'
  | 'taskLog'
  | 'metrics'
  | 'search'
  | 'keys'
  | 'streamTokens'
  | 'extraRoutes'
  | 'onRequest'
> & { extraRoutes: NonNullable<ApiServerOptions['extraRoutes']> };

export interface ApiOperations extends AsyncDisposable {
  auth: ApiKeyAuth;
  /** Document search (the `search` procedure) on this pool. */
  search: DocumentSearch;
  /** API key management (the `keys` procedures) on this pool. */
  keys: KeyAdmin;
  /** Stream tokens (`tasks.streamToken`, `?token=` on the streams). */
  streamTokens: StreamTokens;
  /**
   * What to merge into createApiServer's options: auth, limits, logging and metrics wired in. The task
   * services are passed through unchanged (limits and logging are the procedures' middleware).
   */
  serverOptions(
    tasks: TaskService,
    orchestration?: OrchestrationService,
  ): ServerOptionsFromOperations & Pick<ApiServerOptions, 'tasks' | 'orchestration'>;
  /** Resolves once revocations are heard (they close revoked keys' open connections). */
  listening(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Everything around the queue that an operator expects: API keys with owner isolation, submission
 * rate limits and failed authentications per client address shared through the database, request and
 * task logs, metrics and document search. One small pool of its own (keys, buckets and search queries),
 * so the task system's pool stays for tasks; the metrics snapshot is the task service's own.
 *
 * @example
 * const ops = createApiOperations({ databaseUrl, logger, feed: system.events });
 * await ops.listening();
 * const server = await createApiServer({ ...base, ...ops.serverOptions(system.tasks, system.orchestration) });
 */
export function createApiOperations(opts: ApiOperationsOptions): ApiOperations {
  const timeoutMs = statementTimeoutMs(opts.statementTimeoutSeconds);
  // Its writes are rate-limit buckets and keys' last use, one hot row per key: waiting for each to reach
  // the disk would put an fsync into every keyed submit, and a crash may only lose a few spent tokens.
  const { sql } = connect(opts.databaseUrl, {
    max: 4,
    applicationName: 'kaygraph-api-operations',
    settings: { synchronous_commit: 'off' },
    statementTimeoutMs: timeoutMs,
  });
  const buckets = createLeasedBuckets(sql);
  const auth = createApiKeyAuth({
    sql,
    logger: opts.logger,
    required: opts.authRequired ?? false,
    requiredBecause: opts.authRequiredBecause,
    cacheMs: opts.authCacheMs,
    failedAuthLimit: createFailedAuthLimiter({
      buckets,
      perMinute: opts.failedAuthLimit?.perMinute ?? 0,
      burst: opts.failedAuthLimit?.burst ?? 1,
    }),
    trustedProxyHops: opts.trustedProxyHops,
  });
  const listening = auth.start();
  listening.catch((error: unknown) =>
    opts.logger.error({ err: error }, 'listening for key revocations failed'),
  );
  const prometheus = createPrometheusMetrics({ feed: opts.feed, processMetrics: opts.processMetrics });
  const limit = createSubmissionLimiter({
    buckets,
    perMinute: opts.rateLimit?.perMinute ?? 0,
    burst: opts.rateLimit?.burst ?? 1,
  });
  const search = createDocumentSearch(sql);
  // Keys get a connection of their own that commits synchronously (opened on the first key call);
  // a key created or revoked here turns auth on or off at once in this process.
  const keysConnection = connect(opts.databaseUrl, {
    max: 1,
    applicationName: 'kaygraph-api-keys',
    statementTimeoutMs: timeoutMs,
  });
  const keys = createKeyAdmin({ sql: keysConnection.sql, onChange: () => auth.mode.invalidate() });
  const streamTokens = createStreamTokens({
    sql: keysConnection.sql,
    auth,
    ttlSeconds: opts.streamTokenTtlSeconds ?? DEFAULT_STREAM_TOKEN_TTL_SECONDS,
  });
  const onRequest: RequestHook = createRequestLogging({
    logger: opts.logger,
    onFinished: (request) => prometheus.observeRequest(request),
  });
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      prometheus.close();
      await auth.close();
      await buckets.close();
      await keysConnection.close();
      await sql.end({ timeout: 5 });
    })();
    return closing;
  };
  return {
    auth,
    search,
    keys,
    streamTokens,
    serverOptions: (tasks, orchestration) => {
      const metrics = createMetricsService({
        tasks,
        prometheus,
        windowSeconds: opts.metricsWindowSeconds,
        ...(opts.workflowNames ? { workflowNames: opts.workflowNames } : {}),
      });
      return {
        tasks,
        ...(orchestration ? { orchestration } : {}),
        resolveCaller: auth.resolveCaller,
        limits: limit,
        taskLog: opts.logger,
        metrics,
        search,
        keys,
        streamTokens,
        extraRoutes: [metricsRoute({ metrics, resolveCaller: auth.resolveCaller })],
        onRequest,
      };
    },
    listening: () => listening,
    close,
    [Symbol.asyncDispose]: close,
  };
}
