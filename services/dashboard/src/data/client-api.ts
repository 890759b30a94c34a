import { createClient } from '@kaygraph/client';
import {
  ListDeadLettersOutput,
  ListGroupsOutput,
  ListSchedulesOutput,
  type TaskEvent,
} from '@kaygraph/contracts';
import type { DashboardApi, ErrorDetails, Optional, StreamHandlers, Unsubscribe } from './api.ts';

/**
 * The dashboard's only link to the api: the typed client of `@kaygraph/client`. Queries and
 * mutations go over batched HTTP, `tasks.feed` and `tasks.events` over its WebSocket.
 */
export function createDashboardApi(options: { url: string; apiKey?: string | undefined }): DashboardApi {
  const client = createClient({ url: options.url, apiKey: options.apiKey });
  const untyped = untypedProcedures(client.trpc);

  return {
    listTasks: (input) => client.tasks.list.query(input),
    getTask: (taskId) => client.tasks.get.query({ task_id: taskId }),
    submit: (input) => client.tasks.submit.mutate(input),
    cancel: (taskId) => client.tasks.cancel.mutate({ task_id: taskId }),
    retry: (taskId) => client.tasks.retry.mutate({ task_id: taskId }),
    listWorkflows: async () => (await client.workflows.list.query({})).workflows,

    feed(handlers) {
      const subscription = client.tasks.feed.subscribe(
        {},
        {
          onStarted: () => handlers.onStarted?.(),
          onData: (tracked) => handlers.onData(tracked.data),
          onError: (error) => handlers.onError?.(error),
          onComplete: () => handlers.onComplete?.(),
        },
      );
      return () => subscription.unsubscribe();
    },

    taskEvents(taskId, afterSeq, handlers) {
      return consume(
        (signal) => client.watch(taskId, afterSeq === null ? { signal } : { lastEventId: afterSeq, signal }),
        handlers,
      );
    },

    optional: {
      metrics: () => optional('metrics', () => client.trpc.metrics.query()),
      // These answers are checked against the contracts: the router type may not list them yet.
      deadLetters: () =>
        untyped.query('deadLetter.list', { limit: 200 }, (raw) => ListDeadLettersOutput.parse(raw).items),
      redrive: (taskId) =>
        taskId === null
          ? untyped.mutate('deadLetter.redriveAll', {})
          : untyped.mutate('deadLetter.redrive', { task_id: taskId }),
      purge: (taskId) => untyped.mutate('deadLetter.purge', { task_id: taskId }),
      schedules: () =>
        untyped.query('schedules.list', { limit: 200 }, (raw) => ListSchedulesOutput.parse(raw).items),
      setScheduleEnabled: (scheduleId, enabled) =>
        untyped.mutate(enabled ? 'schedules.resume' : 'schedules.pause', { schedule_id: scheduleId }),
      groups: () => untyped.query('groups.list', { limit: 200 }, (raw) => ListGroupsOutput.parse(raw).items),
    },

    describeError,
    close: () => client.close(),
  };
}

/** Reads the api's ErrorBody that the error formatter puts in every tRPC error's `data`. */
function describeError(error: unknown): ErrorDetails {
  const message = error instanceof Error ? error.message : String(error);
  const data = asRecord(error instanceof Error ? (error as Error & { data?: unknown }).data : undefined);
  const body = asRecord(data?.errorBody);
  const code = typeof body?.code === 'string' ? body.code : null;
  const issues = Array.isArray(body?.issues)
    ? body.issues.flatMap((issue) => {
        const record = asRecord(issue);
        return typeof record?.path === 'string' && typeof record.message === 'string'
          ? [{ path: record.path, message: record.message }]
          : [];
      })
    : [];
  return { code, message, issues };
}

/** Runs `watch()`'s async iterator until it ends or the page unsubscribes. */
function consume(
  open: (signal: AbortSignal) => AsyncIterable<TaskEvent>,
  handlers: StreamHandlers<TaskEvent>,
): Unsubscribe {
  const controller = new AbortController();
  (async () => {
    handlers.onStarted?.();
    try {
      for await (const event of open(controller.signal)) handlers.onData(event);
      if (!controller.signal.aborted) handlers.onComplete?.();
    } catch (error) {
      if (!controller.signal.aborted)
        handlers.onError?.(error instanceof Error ? error : new Error(String(error)));
    }
  })();
  return () => controller.abort();
}

type Procedure = (input: unknown) => Promise<unknown>;

/**
 * Calls procedures by path that the api's router type may not have yet (dead letters, schedules,
 * groups arrive with a later issue). The client's proxy resolves any path at run time;
 * a path the server lacks answers NOT_FOUND "No procedure found", which becomes `unavailable`.
 */
function untypedProcedures(trpc: object) {
  const resolve = (path: string, kind: 'query' | 'mutate'): Procedure => {
    let node: unknown = trpc;
    for (const part of path.split('.')) node = (node as Record<string, unknown>)[part];
    const call = (node as Record<string, unknown>)[kind];
    if (typeof call !== 'function') throw new Error(`the client has no ${kind} at ${path}`);
    return (input) => call(input);
  };
  const run = <T>(path: string, kind: 'query' | 'mutate', input: unknown, read: (raw: unknown) => T) =>
    optional(path, async () => read(await resolve(path, kind)(input)));
  return {
    query: <T>(path: string, input: unknown, read: (raw: unknown) => T): Promise<Optional<T>> =>
      run(path, 'query', input, read),
    mutate: (path: string, input: unknown): Promise<Optional<unknown>> =>
      run(path, 'mutate', input, (raw) => raw),
  };
}

/** Runs a call; a procedure the server lacks or has switched off becomes `unavailable`. */
async function optional<T>(path: string, call: () => Promise<T>): Promise<Optional<T>> {
  try {
    return { state: 'ready', value: await call() };
  } catch (error) {
    const reason = unavailableReason(path, error);
    if (reason) return { state: 'unavailable', reason };
    throw error;
  }
}

function unavailableReason(path: string, error: unknown): string | null {
  if (!(error instanceof Error)) return null;
  // TRPCClientError carries the server's error shape in `data` (with the api's ErrorBody).
  const data = asRecord((error as Error & { data?: unknown }).data);
  if (data?.code === 'NOT_FOUND' && /no procedure/i.test(error.message)) {
    return `This api has no ${path} procedure yet.`;
  }
  if (asRecord(data?.errorBody)?.code === 'UNAVAILABLE') return `The server says: ${error.message}.`;
  return null;
}

function asRecord(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
}
