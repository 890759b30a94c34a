import type { IncomingHttpHeaders } from 'node:http';
import type { ReadyOutput } from '@kaygraph/contracts';
import type { Caller, OrchestrationService, TaskService, WorkflowCatalog } from '@kaygraph/tasks';
import type { KeyAdmin } from './keys/key-admin.ts';
import type { MetricsService } from './metrics/metrics-service.ts';
import type { DocumentSearch } from './search/document-search.ts';

/** Where a caller's credentials come from: HTTP headers, or a WebSocket's connection params. */
export interface CallerSource {
  headers: IncomingHttpHeaders;
  connectionParams: Record<string, string> | null;
}

/**
 * Decides who is calling. Throw a DomainError (UNAUTHORIZED, FORBIDDEN) to refuse. Swap it through
 * `createApiServer({ resolveCaller })`; the default treats every request as the anonymous owner.
 */
export type CallerResolver = (source: CallerSource) => Promise<Caller>;

export const anonymousCaller: CallerResolver = async () => ({ owner: 'anonymous', admin: false });

/** What the procedures and the hand-written routes need from the rest of the system. */
export interface ApiServices {
  tasks: TaskService;
  catalog: WorkflowCatalog;
  /** Groups, schedules and dead letters (TaskSystem.orchestration); absent: those procedures answer 503. */
  orchestration?: OrchestrationService | undefined;
  ready(): Promise<ReadyOutput>;
  version: string;
  /** Queue metrics (the `metrics` procedure); absent when the server was started without them. */
  metrics?: MetricsService | undefined;
  /** Document search (the `search` procedure); absent: it answers 503. */
  search?: DocumentSearch | undefined;
  /** API key management (the `keys` procedures); absent: they answer 503. */
  keys?: KeyAdmin | undefined;
  startedAt: number;
  /** Stacks in tRPC error shapes (NODE_ENV=development only). */
  errorStacks?: boolean | undefined;
}

export interface Context {
  services: ApiServices;
  /** Resolved lazily, by `authedProcedure`, so public procedures never need credentials. */
  resolveCaller(): Promise<Caller>;
}

/** Builds the per-request (HTTP) or per-connection (WebSocket) context. The only context factory. */
export function createContextFactory(services: ApiServices, resolveCaller: CallerResolver) {
  return (source: CallerSource): Context => {
    let caller: Promise<Caller> | undefined;
    return {
      services,
      resolveCaller: () => {
        caller ??= resolveCaller(source);
        return caller;
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
