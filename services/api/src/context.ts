import type { IncomingHttpHeaders } from 'node:http';
import type { ReadyOutput } from '@kaygraph/contracts';
import type { Caller, OrchestrationService, TaskService, WorkflowRegistry } from '@kaygraph/tasks';
import type { Logger } from 'pino';
import type { StreamTokens } from './auth/stream-tokens.ts';
import type { KeyAdmin } from './keys/key-admin.ts';
import type { MetricsService } from './metrics/metrics-service.ts';
import type { SubmissionLimiter } from './rate-limit/submission-limits.ts';
import type { DocumentSearch } from './search/document-search.ts';
import type { SubscriptionCaps } from './subscriptions/subscription-caps.ts';

/**
 * A long-lived connection (a WebSocket, an event stream) whose credentials were checked once: auth
 * closes it when its key is revoked.
 */
export interface OpenConnection {
  /** Ends the connection, telling the client why (a WebSocket close code and reason, an SSE end). */
  close(reason: string): void;
  /** Runs `listener` once the connection has ended, whoever ended it. */
  onClosed(listener: () => void): void;
}

/** Where a caller's credentials come from: HTTP headers, or a WebSocket's connection params. */
export interface CallerSource {
  headers: IncomingHttpHeaders;
  connectionParams: Record<string, string> | null;
  /** The socket peer's address (a proxy's, behind one: see TRUSTED_PROXY_HOPS); undefined once it is gone. */
  remoteAddress: string | undefined;
  /** Set for connections that outlive the check (WebSockets, streams): closed when the key is revoked. */
  connection?: OpenConnection | undefined;
}

/** The API key a caller authenticated with, as limits need it. */
export interface CallerKey {
  id: string;
  /** Submissions per minute for this key; null: the service default. */
  rateLimitPerMinute: number | null;
}

/** Who is calling, and with which key (none for the open, keyless caller). */
export interface Identity {
  caller: Caller;
  key: CallerKey | undefined;
}

/**
 * Decides who is calling. Throw a DomainError (UNAUTHORIZED, FORBIDDEN) to refuse. Swap it through
 * `createApiServer({ resolveCaller })`; the default treats every request as the anonymous owner.
 */
export type CallerResolver = (source: CallerSource) => Promise<Identity>;

export const anonymousCaller: CallerResolver = async () => ({
  caller: { owner: 'anonymous', admin: false },
  key: undefined,
});

/** What the procedures and the hand-written routes need from the rest of the system. */
export interface ApiServices {
  tasks: TaskService;
  /** The workflows workers registered (TaskSystem.workflows): `workflows.list`, the OpenAPI document. */
  workflows: WorkflowRegistry;
  /** Groups, schedules and dead letters (TaskSystem.orchestration); absent: those procedures answer 503. */
  orchestration?: OrchestrationService | undefined;
  ready(): Promise<ReadyOutput>;
  version: string;
  /** Where an extra route serves the dashboard, for `GET /` to link to; absent: no link. */
  dashboardLink?: string | undefined;
  /** Queue metrics (the `metrics` procedure); absent when the server was started without them. */
  metrics?: MetricsService | undefined;
  /** Document search (the `search` procedure); absent: it answers 503. */
  search?: DocumentSearch | undefined;
  /** API key management (the `keys` procedures); absent: they answer 503. */
  keys?: KeyAdmin | undefined;
  /** Stream tokens (`tasks.streamToken`, `groups.streamToken`); absent: they answer 503. */
  streamTokens?: StreamTokens | undefined;
  /** Submission rate limits per key; absent: no limits. */
  limits?: SubmissionLimiter | undefined;
  /** Subscriptions per connection and per key. */
  subscriptionCaps: SubscriptionCaps;
  /** Where task actions (submit, cancel, retry) are logged; absent: not logged. */
  taskLog?: Logger | undefined;
  startedAt: number;
  /** Stacks in tRPC error shapes (NODE_ENV=development only). */
  errorStacks?: boolean | undefined;
}

/** What a REST call's procedure tells the REST adapter about its answer (from its metadata). */
export interface RestAnswer {
  status: number;
  headers: Record<string, string>;
}

export interface Context {
  services: ApiServices;
  /** Resolved lazily, by `authedProcedure`, so public procedures never need credentials. */
  resolveIdentity(): Promise<Identity>;
  /** The connection this context serves (a tRPC WebSocket), for per-connection subscription caps. */
  connection: object | undefined;
  /** Set by REST calls: the success status and headers the procedure's metadata asks for land here. */
  restAnswer?: RestAnswer | undefined;
}

/** Builds the per-request (HTTP) or per-connection (WebSocket) context. The only context factory. */
export function createContextFactory(services: ApiServices, resolveCaller: CallerResolver) {
  return (source: CallerSource, extra: { restAnswer?: RestAnswer } = {}): Context => {
    let identity: Promise<Identity> | undefined;
    return {
      services,
      connection: source.connection,
      ...extra,
      resolveIdentity: () => {
        identity ??= resolveCaller(source);
        return identity;
      },
    };
  };
}

export type ContextFactory = ReturnType<typeof createContextFactory>;

/** tRPC passes connection params as `Record<string, string> | null`; keep only string values. */
export function connectionParamsOf(value: unknown): Record<string, string> | null {
  if (!value || typeof value !== 'object') return null;
  const params: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) if (typeof entry === 'string') params[key] = entry;
  return params;
}
