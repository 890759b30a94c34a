import { type AnyWorkflows, createClient } from '@kaygraph/client';
import type { TaskEvent } from '@kaygraph/contracts';
import type { DashboardApi, ErrorDetails, Optional, StreamHandlers, Unsubscribe } from './api.ts';

/** Rows per page of the lists (the api's most). */
const PAGE_SIZE = 200;
/** Tasks of a group per page: each brings its result, up to 8 MiB of them a page. */
const GROUP_PAGE_SIZE = 100;

/**
 * The dashboard's only link to the api: the typed client of `@kaygraph/client`. Queries and
 * mutations go over batched HTTP, `tasks.feed` and `tasks.events` over its WebSocket.
 */
export function createDashboardApi(options: { url: string; apiKey?: string | undefined }): DashboardApi {
  // Any registered workflow, including a user's own: not only the built-in catalog's types.
  const client = createClient<AnyWorkflows>({ url: options.url, apiKey: options.apiKey });

  return {
    listTasks: (input) => client.tasks.list.query(input),
    getTask: (taskId) => client.tasks.get.query({ task_id: taskId }),
    submit: (input) => client.tasks.submit.mutate(input),
    cancel: (taskId) => client.tasks.cancel.mutate({ task_id: taskId }),
    retry: (taskId) => client.tasks.retry.mutate({ task_id: taskId }),
    promote: (taskId) => client.tasks.promote.mutate({ task_id: taskId }),
    signal: (taskId, name, payload, idempotencyKey) =>
      client.tasks.signal.mutate({ task_id: taskId, name, payload, idempotency_key: idempotencyKey }),
    artifact: (taskId, name) => client.artifact(taskId, name),
    listWorkflows: async () => (await client.workflows.list.query({})).workflows,
    moveVersionTasks: (input) => client.workflows.moveTasks.mutate(input),
    setWorkflowPaused: (name, paused) =>
      paused ? client.workflows.pause.mutate({ name }) : client.workflows.resume.mutate({ name }),

    feed(handlers) {
      const subscription = client.tasks.feed.subscribe(
        {},
        {
          onStarted: () => handlers.onStarted?.(),
          onConnectionStateChange: (state) => {
            if (state.state === 'connecting') handlers.onReconnecting?.(state.error);
          },
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
      deadLetters: (cursor) =>
        optional('deadLetters.list', () => client.trpc.deadLetters.list.query({ limit: PAGE_SIZE, cursor })),
      redrive: (taskId) =>
        optional('deadLetters.redrive', () => client.trpc.deadLetters.redrive.mutate({ task_id: taskId })),
      redriveAll: (workflow) =>
        optional('deadLetters.redriveAll', () => client.trpc.deadLetters.redriveAll.mutate({ workflow })),
      cancelQueued: (workflow) =>
        optional('tasks.cancelQueued', () => client.trpc.tasks.cancelQueued.mutate({ workflow })),
      purge: (taskId) =>
        optional('deadLetters.purge', () => client.trpc.deadLetters.purge.mutate({ task_id: taskId })),
      remove: (taskId) =>
        optional('tasks.remove', () => client.trpc.tasks.remove.mutate({ task_id: taskId })),
      clean: (input) => optional('tasks.clean', () => client.trpc.tasks.clean.mutate(input)),
      schedules: (cursor) =>
        optional('schedules.list', () => client.trpc.schedules.list.query({ limit: PAGE_SIZE, cursor })),
      setScheduleEnabled: (scheduleId, enabled) =>
        enabled
          ? optional('schedules.resume', () =>
              client.trpc.schedules.resume.mutate({ schedule_id: scheduleId }),
            )
          : optional('schedules.pause', () =>
              client.trpc.schedules.pause.mutate({ schedule_id: scheduleId }),
            ),
      group: (groupId, cursor) =>
        optional('groups.get', () =>
          client.trpc.groups.get.query({
            group_id: groupId,
            tasks_cursor: cursor,
            tasks_limit: GROUP_PAGE_SIZE,
          }),
        ),
      cancelGroup: (groupId) =>
        optional('groups.cancel', () => client.trpc.groups.cancel.mutate({ group_id: groupId })),
      groupEvents: (groupId, handlers) => {
        const subscription = client.trpc.groups.events.subscribe(
          { group_id: groupId },
          {
            onStarted: () => handlers.onStarted?.(),
            onData: (tracked) => handlers.onData(tracked.data),
            onError: (error) => handlers.onError?.(error),
            onComplete: () => handlers.onComplete?.(),
          },
        );
        return () => subscription.unsubscribe();
      },
      groups: (cursor) =>
        optional('groups.list', () => client.trpc.groups.list.query({ limit: PAGE_SIZE, cursor })),
      feedState: (handlers) => {
        const subscription = client.trpc.tasks.feedState.subscribe(
          {},
          {
            onData: (tracked) => handlers.onData(tracked.data),
            onError: (error) => handlers.onError?.(error),
          },
        );
        return () => subscription.unsubscribe();
      },
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
  const status = typeof data?.httpStatus === 'number' ? data.httpStatus : null;
  const issues = Array.isArray(body?.issues)
    ? body.issues.flatMap((issue) => {
        const record = asRecord(issue);
        return typeof record?.path === 'string' && typeof record.message === 'string'
          ? [{ path: record.path, message: record.message }]
          : [];
      })
    : [];
  return { code, status, message, issues };
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
