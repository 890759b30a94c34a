import type { SignalTaskOutput, SubmitTaskInput } from '@kaygraph/contracts';
import { createTRPCClient, type TRPCClient } from '@trpc/client';
import {
  type ArtifactStream,
  type ArtifactStreamOptions,
  type DownloadedArtifact,
  downloadArtifact,
  streamArtifact,
} from './download-artifact.ts';
import { createLinks } from './links.ts';
import type { AppRouter } from './server-types.ts';
import { type SubmitAndWaitOptions, submitAndWait, waitForTask } from './submit-and-wait.ts';
import {
  type TypedGroupsProcedures,
  type TypedSchedulesProcedures,
  type TypedTasksProcedures,
  typedProcedures,
  type WorkflowOfId,
} from './typed-procedures.ts';
import type { TypedTaskResult } from './typed-results.ts';
import type { TypedSubmitInput, TypedSubmitOutput } from './typed-submit.ts';
import { type WatchOptions, watchTask } from './watch.ts';
import type { AnyWorkflows, SignalArgs, TaskIdOf, WorkflowNames } from './workflow-types.ts';

export interface ClientOptions {
  /** The API's base URL, e.g. `http://127.0.0.1:8000`. */
  url: string;
  /** Sent as `Authorization: Bearer` on HTTP and as a connection param on WebSocket. */
  apiKey?: string | undefined;
  /** Calls per HTTP batch (default 50, the server's default MAX_BATCH_SIZE). */
  maxBatchSize?: number | undefined;
  /**
   * Transport of subscriptions: WebSocket (the default where the runtime has one: browsers, Node 22+,
   * or given as `WebSocket`) or SSE (the default elsewhere, e.g. Node 20).
   */
  subscriptions?: 'ws' | 'sse' | undefined;
  /** A WebSocket class for runtimes without a global one (Node 20), e.g. the `ws` package's. */
  WebSocket?: typeof WebSocket | undefined;
  /**
   * Subscriptions carried by one WebSocket before the client opens another (default 50): the api
   * refuses more than 100 on one socket. Lower it for an api run with a lower cap.
   */
  subscriptionsPerSocket?: number | undefined;
}

type Api = TRPCClient<AppRouter>;

/** What `createClient` returns (spelled out, so its declaration names the router type, not its expansion). */
export interface KayGraphClient<W = AnyWorkflows> extends Disposable {
  /** The raw tRPC client: the same procedures, params and results as the contracts type them (JSON). */
  trpc: Api;
  /**
   * Tasks: submit, submitMany, get, list, progress, result, cancel, retry, signal, streamToken (for a
   * browser page's own EventSource or WebSocket: `?token=` instead of the key), events, feed. `submit`,
   * `submitMany` and `result` are typed by the catalog `W`; `result` by the workflow an id came from,
   * or named: `tasks.result.query({ task_id, workflow: 'demo' })` (a task of another workflow is a 409).
   */
  tasks: TypedTasksProcedures<W>;
  workflows: Api['workflows'];
  /**
   * Task groups: create (with tasks, or empty), addTasks (held), execute, get, list, cancel, streamToken,
   * events. The
   * tasks of `create` and `addTasks` are typed by their workflows, and so are the results `get` answers.
   */
  groups: TypedGroupsProcedures<W>;
  /** Cron schedules: list, get, create, update, pause, resume, delete; `create`'s params typed by its workflow. */
  schedules: TypedSchedulesProcedures<W>;
  /** Failed tasks with their reasons: list, redrive, redriveAll, purge. */
  deadLetters: Api['deadLetters'];
  /** Top-k chunks of one of your document indexes (built by document_indexing tasks). */
  search: Api['search'];
  /** API keys (admin keys only): create (the secret is in its answer only), list, revoke. */
  keys: Api['keys'];
  health: Api['health'];
  ready: Api['ready'];
  /** Submits a task of workflow `N`; its params are typed by the workflow, its id carries `N`. */
  submit<N extends WorkflowNames<W> & string>(input: TypedSubmitInput<W, N>): Promise<TypedSubmitOutput<N>>;
  /**
   * Sends a signal to a waiting task (or one that will wait for it), typed by the signals its
   * workflow declares: the workflow comes from a `submit` answer's `task_id`, or is named
   * (`client.signal<'content_review'>(id, ...)`). Answers `taken: 'resumed'` or `'stored'`; a
   * payload that does not fit is a 400, a task not waiting for it a 409 (`TRPCClientError`). With
   * `{ idempotencyKey }` a repeat answers as the first did (`deduplicated: true`) and changes nothing.
   *
   * @example
   * const { task_id } = await client.submit({ workflow: 'content_review', params: { title, points } });
   * await client.signal(task_id, 'approval', { approved: true, note: 'ship it' }, { idempotencyKey: deliveryId });
   */
  signal<N extends WorkflowNames<W> & string>(
    taskId: TaskIdOf<N>,
    ...signal: SignalArgs<W, N>
  ): Promise<SignalTaskOutput>;
  /** Submits, follows the task live, and returns its outcome (failed and cancelled included). */
  submitAndWait<N extends WorkflowNames<W> & string>(
    input: TypedSubmitInput<W, N>,
    options?: SubmitAndWaitOptions,
  ): Promise<TypedTaskResult<W, N>>;
  /**
   * Waits for a task submitted earlier (by this program or another) to end and returns its outcome,
   * typed by the workflow of an id a submit returned (else a union of the catalog's). Follows it live
   * through any `waiting`; failed and cancelled tasks are returned too.
   *
   * @example
   * const { task_id } = await client.submit({ workflow: 'word_count', params });
   * // ... later, anywhere the id went:
   * const outcome = await client.waitFor(task_id);
   */
  waitFor<Id extends string>(
    taskId: Id,
    options?: SubmitAndWaitOptions,
  ): Promise<TypedTaskResult<W, WorkflowOfId<W, Id>>>;
  /** The bytes of an artifact a task stored (its names are in `tasks.get`'s `artifacts`). */
  artifact(taskId: string, name: string): Promise<DownloadedArtifact>;
  /**
   * An artifact as a stream of its bytes, from `offset` when given (with `ifRange`, its earlier `etag`,
   * to resume a cut download: `offset` 0 in the answer says it was replaced and comes whole).
   *
   * @example
   * const download = await client.artifactStream(taskId, 'model.bin');
   * await download.body.pipeTo(Writable.toWeb(createWriteStream('model.bin')));
   */
  artifactStream(taskId: string, name: string, options?: ArtifactStreamOptions): Promise<ArtifactStream>;
  /** Events of one task until it ends; reconnects and resumes from the last event id. */
  watch(taskId: string, options?: WatchOptions): ReturnType<typeof watchTask>;
  /**
   * Ends every subscription the client opened and closes its WebSockets: a `watch` or `submitAndWait`
   * still running rejects with a ClientClosedError (its task goes on). `using` calls it at scope end.
   */
  close(): void;
}

/**
 * A typed client of the KayGraph Tasks API: every procedure (`client.tasks.get.query(...)`),
 * plus `submitAndWait`, `signal` and `watch`. Subscriptions go over lazily opened WebSockets (one per
 * `subscriptionsPerSocket`; SSE where the runtime has none), everything else over batched HTTP.
 *
 * `W` is the workflow catalog whose names, params and signals `submit` / `submitAndWait` / `signal`
 * check: pass your own (`createClient<typeof catalog.workflows>`), or `BuiltinWorkflows` for the
 * service's built-ins. Without one any workflow name, params object and signal are accepted.
 *
 * @example
 * using client = createClient({ url: 'http://127.0.0.1:8000' });
 * const { task_id } = await client.tasks.submit.mutate({ workflow: 'demo', params: {} });
 * for await (const event of client.watch(task_id)) console.log(event);
 */
export function createClient<W = AnyWorkflows>(opts: ClientOptions): KayGraphClient<W> {
  const lifetime = new AbortController();
  const hasWebSocket = typeof (opts.WebSocket ?? globalThis.WebSocket) === 'function';
  const { links, close: closeLinks } = createLinks({
    url: opts.url,
    apiKey: opts.apiKey,
    maxBatchSize: opts.maxBatchSize ?? 50,
    subscriptions: opts.subscriptions ?? (hasWebSocket ? 'ws' : 'sse'),
    WebSocket: opts.WebSocket,
    subscriptionsPerSocket: opts.subscriptionsPerSocket ?? 50,
    closed: lifetime.signal,
  });
  // Subscriptions fail first, then the sockets close: a socket's close alone would end them as done.
  const close = () => {
    lifetime.abort();
    closeLinks();
  };
  const trpc = createTRPCClient<AppRouter>({ links });
  const typed = typedProcedures<W>(trpc);
  return {
    trpc,
    tasks: typed.tasks,
    workflows: trpc.workflows,
    groups: typed.groups,
    schedules: typed.schedules,
    deadLetters: trpc.deadLetters,
    search: trpc.search,
    keys: trpc.keys,
    health: trpc.health,
    ready: trpc.ready,
    submit: (input) => trpc.tasks.submit.mutate(input as SubmitTaskInput),
    signal: (taskId, ...[name, payload, options]) =>
      trpc.tasks.signal.mutate({ task_id: taskId, name, payload, idempotency_key: options?.idempotencyKey }),
    submitAndWait: (input, options) =>
      submitAndWait(trpc, input as SubmitTaskInput, options, lifetime.signal) as Promise<
        TypedTaskResult<W, typeof input.workflow>
      >,
    waitFor: (taskId, options) =>
      waitForTask(trpc, taskId, options, lifetime.signal) as Promise<
        TypedTaskResult<W, WorkflowOfId<W, typeof taskId>>
      >,
    artifact: (taskId, name) => downloadArtifact(opts.url, opts.apiKey, taskId, name),
    artifactStream: (taskId, name, options) => streamArtifact(opts.url, opts.apiKey, taskId, name, options),
    watch: (taskId, options) => watchTask(trpc, taskId, options, lifetime.signal),
    close,
    [Symbol.dispose]: close,
  };
}
