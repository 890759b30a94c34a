import type {
  CancelGroupOutput,
  CancelQueuedOutput,
  CleanTasksInput,
  CleanTasksOutput,
  DeadLetterSummary,
  FeedState,
  GroupEvent,
  GroupSummary,
  GroupView,
  ListTasksInput,
  ListTasksOutput,
  MetricsSnapshot,
  MoveVersionTasksInput,
  MoveVersionTasksOutput,
  RedriveAllOutput,
  RemoveTaskOutput,
  ScheduleView,
  SignalTaskOutput,
  SubmitTaskInput,
  SubmitTaskOutput,
  TaskEvent,
  TaskStatusOutput,
  TaskView,
  WorkflowInfo,
  WorkflowPauseView,
} from '@kaygraph/contracts';
import type { ListPage } from './unseen-page.ts';

/**
 * Everything the dashboard asks of the api, in one interface. The pages depend on this, never on
 * the tRPC client itself, so the wiring to `@kaygraph/client` lives in exactly one file
 * (`client-api.ts`).
 */
export interface DashboardApi {
  listTasks(input: ListTasksInput): Promise<ListTasksOutput>;
  getTask(taskId: string): Promise<TaskView>;
  submit(input: SubmitTaskInput): Promise<SubmitTaskOutput>;
  cancel(taskId: string): Promise<TaskStatusOutput>;
  retry(taskId: string): Promise<TaskStatusOutput>;
  /** Runs a scheduled task (waiting for its run_at) now. */
  promote(taskId: string): Promise<TaskStatusOutput>;
  /**
   * Sends a signal to a task; the api checks the payload against the workflow's declared schema. A
   * repeat of `idempotencyKey` gets the first answer (`deduplicated`) and changes nothing.
   */
  signal(taskId: string, name: string, payload: unknown, idempotencyKey?: string): Promise<SignalTaskOutput>;
  /** An artifact's bytes, fetched with the API key as a Bearer header (never in a URL). */
  artifact(taskId: string, name: string): Promise<{ contentType: string; bytes: Uint8Array }>;
  listWorkflows(): Promise<WorkflowInfo[]>;
  /** Moves a retired version's unfinished tasks to the current version (admins only: 403 otherwise). */
  moveVersionTasks(input: MoveVersionTasksInput): Promise<MoveVersionTasksOutput>;
  /** Pauses (`paused` true) or resumes a workflow on every worker (admins only: 403 otherwise). */
  setWorkflowPaused(name: string, paused: boolean): Promise<WorkflowPauseView>;
  /** Live events of every task the caller may see. `onStarted` fires on every (re)connect. */
  feed(handlers: StreamHandlers<TaskEvent>): Unsubscribe;
  /** One task's events, replayed from the first (or after `afterSeq`) and then live. */
  taskEvents(taskId: string, afterSeq: number | null, handlers: StreamHandlers<TaskEvent>): Unsubscribe;
  /**
   * Procedures a server may lack (an older api) or have switched off (started without metrics or
   * orchestration): each answers `unavailable` instead of failing.
   */
  optional: OptionalProcedures;
  /** What the api said about a failed call: its error code, message and per-field issues. */
  describeError(error: unknown): ErrorDetails;
  close(): void;
}

export interface ErrorDetails {
  /** The api's error code (`UNAUTHORIZED`, `INVALID_PARAMS` ...), null for network failures. */
  code: string | null;
  /** The HTTP status the api answered with (400, 409 ...), null for network failures. */
  status: number | null;
  message: string;
  /** Per-field problems; `path` is dotted (`params.items`). */
  issues: { path: string; message: string }[];
}

export interface OptionalProcedures {
  metrics(): Promise<Optional<MetricsSnapshot>>;
  /** Dead letters, newest first, a page from `cursor` (the first without). */
  deadLetters(cursor?: string): Promise<Optional<ListPage<DeadLetterSummary>>>;
  /** One dead letter back into the queue. */
  redrive(taskId: string): Promise<Optional<unknown>>;
  /**
   * Dead letters (failed tasks) back into the queue, of one workflow or all, at most the server's
   * MAX_BATCH_SIZE per call.
   */
  redriveAll(workflow?: string): Promise<Optional<RedriveAllOutput>>;
  /** A workflow's queued tasks cancelled (admins: 403 otherwise), at most MAX_BATCH_SIZE per call. */
  cancelQueued(workflow: string): Promise<Optional<CancelQueuedOutput>>;
  purge(taskId: string): Promise<Optional<unknown>>;
  /** A finished task deleted now, with its child tasks (409 while something unfinished still reads it). */
  remove(taskId: string): Promise<Optional<RemoveTaskOutput>>;
  /** Finished tasks deleted by status, workflow and finish time, at most MAX_BATCH_SIZE per call. */
  clean(input: CleanTasksInput): Promise<Optional<CleanTasksOutput>>;
  schedules(cursor?: string): Promise<Optional<ListPage<ScheduleView>>>;
  setScheduleEnabled(scheduleId: string, enabled: boolean): Promise<Optional<unknown>>;
  groups(cursor?: string): Promise<Optional<ListPage<GroupSummary>>>;
  /** The group and a page of its tasks with their results (`cursor`: the previous page's `tasks_next_cursor`). */
  group(groupId: string, cursor?: string): Promise<Optional<GroupView>>;
  /** Every unfinished task of the group cancelled (409 once it has finished). */
  cancelGroup(groupId: string): Promise<Optional<CancelGroupOutput>>;
  /** The group's summary after each change and its tasks' events; ends once the group has finished. */
  groupEvents(groupId: string, handlers: StreamHandlers<GroupEvent>): Unsubscribe;
  /** Whether the api reaches its database: on subscribing, then on every change (an older api errors). */
  feedState(handlers: StreamHandlers<FeedState>): Unsubscribe;
}

export interface StreamHandlers<T> {
  onStarted?: () => void;
  /** The connection dropped and is being re-established (the link retries by itself). */
  onReconnecting?: (error: Error | null) => void;
  onData: (value: T) => void;
  onError?: (error: Error) => void;
  onComplete?: () => void;
}

export type Unsubscribe = () => void;

/** The answer of a procedure that may not exist on the api this dashboard talks to. */
export type Optional<T> = { state: 'ready'; value: T } | { state: 'unavailable'; reason: string };
