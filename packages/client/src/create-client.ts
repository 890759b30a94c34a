import type { AppRouter, BuiltinWorkflows, WorkflowNames } from '@kaygraph/api';
import type { SubmitTaskInput } from '@kaygraph/contracts';
import { createTRPCClient } from '@trpc/client';
import { downloadArtifact } from './download-artifact.ts';
import { createLinks } from './links.ts';
import { type SubmitAndWaitOptions, submitAndWait } from './submit-and-wait.ts';
import type { TypedSubmitInput, TypedTaskResult } from './typed-submit.ts';
import { type WatchOptions, watchTask } from './watch.ts';

export interface ClientOptions {
  /** The API's base URL, e.g. `http://127.0.0.1:8000`. */
  url: string;
  /** Sent as `Authorization: Bearer` on HTTP and as a connection param on WebSocket. */
  apiKey?: string;
  /** Calls per HTTP batch (default 50, the server's default MAX_BATCH_SIZE). */
  maxBatchSize?: number;
  /** Transport of subscriptions: WebSocket (default) or SSE. */
  subscriptions?: 'ws' | 'sse';
}

/**
 * A typed client of the KayGraph Tasks API: every procedure (`client.tasks.get.query(...)`),
 * plus `submitAndWait` and `watch`. Subscriptions go over one lazily opened WebSocket, everything
 * else over batched HTTP.
 *
 * `W` is the workflow catalog whose names and params `submit` / `submitAndWait` check (the built-in
 * workflows by default; pass `typeof yourWorkflows` for your own).
 *
 * @example
 * using client = createClient({ url: 'http://127.0.0.1:8000' });
 * const { task_id } = await client.tasks.submit.mutate({ workflow: 'demo', params: {} });
 * for await (const event of client.watch(task_id)) console.log(event);
 */
export function createClient<W = BuiltinWorkflows>(opts: ClientOptions) {
  const { links, close } = createLinks({
    url: opts.url,
    apiKey: opts.apiKey,
    maxBatchSize: opts.maxBatchSize ?? 50,
    subscriptions: opts.subscriptions ?? 'ws',
  });
  const trpc = createTRPCClient<AppRouter>({ links });
  return {
    /** The raw tRPC client. */
    trpc,
    tasks: trpc.tasks,
    workflows: trpc.workflows,
    /** Task groups: create (atomically with tasks), get, list, cancel, events (subscription). */
    groups: trpc.groups,
    /** Cron schedules: list, get, create, update, pause, resume, delete. */
    schedules: trpc.schedules,
    /** Tasks that exhausted their retries: list, redrive, redriveAll, purge. */
    deadLetters: trpc.deadLetters,
    /** Top-k chunks of one of your document indexes (built by document_indexing tasks). */
    search: trpc.search,
    /** API keys (admin keys only): create (the secret is in its answer only), list, revoke. */
    keys: trpc.keys,
    health: trpc.health,
    ready: trpc.ready,
    /** Submits a task of workflow `N`; its params are typed by the workflow. */
    submit: <N extends WorkflowNames<W> & string>(input: TypedSubmitInput<W, N>) =>
      trpc.tasks.submit.mutate(input as SubmitTaskInput),
    /** Submits, follows the task live, and returns its outcome (failed and cancelled included). */
    submitAndWait: <N extends WorkflowNames<W> & string>(
      input: TypedSubmitInput<W, N>,
      options?: SubmitAndWaitOptions,
    ): Promise<TypedTaskResult<W, N>> =>
      submitAndWait(trpc, input as SubmitTaskInput, options) as Promise<TypedTaskResult<W, N>>,
    /** The bytes of an artifact a task stored (its names are in `tasks.get`'s `artifacts`). */
    artifact: (taskId: string, name: string) => downloadArtifact(opts.url, opts.apiKey, taskId, name),
    /** Events of one task until it ends; reconnects and resumes from the last event id. */
    watch: (taskId: string, options?: WatchOptions) => watchTask(trpc, taskId, options),
    /** Closes the WebSocket. */
    close,
    [Symbol.dispose]: close,
  };
}

export type KayGraphClient<W = BuiltinWorkflows> = ReturnType<typeof createClient<W>>;
