import type {
  CancelQueuedInput,
  CancelQueuedOutput,
  CleanTasksInput,
  CleanTasksOutput,
  FeedState,
  ListTasksOutput,
  MetricsSnapshot,
  MoveVersionTasksInput,
  MoveVersionTasksOutput,
  RemoveTaskOutput,
  SignalTaskInput,
  SignalTaskOutput,
  SubmitManyOutput,
  SubmitTaskOutput,
  SubmitTaskRequest,
  TaskEvent,
  TaskProgressView,
  TaskResultView,
  TaskStatusOutput,
  TaskView,
  WorkflowNameInput,
  WorkflowPauseView,
} from '@kaygraph/contracts';
import { DomainError } from '@kaygraph/contracts';
import { type Caller, listedOwner } from '../caller.ts';
import type { TaskContext } from '../context.ts';
import type { DatabaseHealth } from '../database-health.ts';
import type { EventBus } from '../events/event-bus.ts';
import { streamFeedState } from '../events/feed-state.ts';
import { streamFeed, streamTaskEvents } from '../events/task-stream.ts';
import { metricsSnapshot } from '../stats/metrics-snapshot.ts';
import { countLiveWorkers } from '../store/registry.ts';
import { pausedWorkflows } from '../store/workflow-pauses.ts';
import { assertBatchSize } from '../submit/batch-limit.ts';
import { prepareAll, submitPrepared } from '../submit/submit.ts';
import { SubmitBatcher } from '../submit/submit-batcher.ts';
import { runTransaction } from '../transaction.ts';
import { type ArtifactDownload, openArtifact } from './artifact-download.ts';
import { cancelQueuedTasks, cancelTask, retryTask } from './control.ts';
import { promoteTask } from './promote.ts';
import {
  getProgress,
  getResult,
  getResumeState,
  getTask,
  type ListTasksQuery,
  listTasks,
} from './queries.ts';
import { cleanTasks, removeTask } from './removal.ts';
import { signalTask } from './signal.ts';
import { moveVersionTasks } from './version-move.ts';
import { pauseWorkflow } from './workflow-pause.ts';

export interface FeedOptions {
  signal?: AbortSignal;
  workflow?: string;
  types?: readonly TaskEvent['type'][];
}

/**
 * The task domain as callers see it. Every read refuses other owners' tasks with NOT_FOUND unless the
 * caller is an admin. Errors are `DomainError`s.
 *
 * @example
 * const { task_id } = await taskService.submit(caller, { workflow: 'demo', params: { steps: 3 }, priority: 'normal' });
 * for await (const event of taskService.events(caller, task_id, {})) console.log(event.type, event.seq);
 */
export interface TaskService {
  submit(caller: Caller, input: SubmitTaskRequest): Promise<SubmitTaskOutput>;
  submitMany(caller: Caller, inputs: SubmitTaskRequest[]): Promise<SubmitManyOutput>;
  get(caller: Caller, taskId: string): Promise<TaskView>;
  list(caller: Caller, input: ListTasksQuery): Promise<ListTasksOutput>;
  progress(caller: Caller, taskId: string): Promise<TaskProgressView>;
  /** A finished task's outcome; `workflow`: the workflow the caller takes it for (another one: CONFLICT). */
  result(caller: Caller, taskId: string, workflow?: string): Promise<TaskResultView>;
  cancel(caller: Caller, taskId: string): Promise<TaskStatusOutput>;
  retry(caller: Caller, taskId: string): Promise<TaskStatusOutput>;
  /** Runs a `scheduled` task (waiting for its run_at) now, as BullMQ's promote; 409 in any other status. */
  promote(caller: Caller, taskId: string): Promise<TaskStatusOutput>;
  /**
   * Admins: cancels a workflow's queued tasks (every owner's), at most MAX_BATCH_SIZE per call, oldest
   * first: call again until it cancels none. 403 for other keys.
   */
  cancelQueued(caller: Caller, input: CancelQueuedInput): Promise<CancelQueuedOutput>;
  /** Deletes a finished task (with its child tasks, events, artifacts) before its RESULT_TTL; 409 otherwise. */
  remove(caller: Caller, taskId: string): Promise<RemoveTaskOutput>;
  /** Deletes the caller's finished tasks (admin: anyone's) by status and finish time, a page per call. */
  clean(caller: Caller, input: CleanTasksInput): Promise<CleanTasksOutput>;
  /**
   * Sends a signal to a task: it ends the task's wait for it (`resumed`), or is kept until the task waits
   * for it (`stored`). 400: unknown signal or payload; 404: not the caller's task; 409: the task does not
   * wait for it (finished, its deadline passed, the wait already ended, a signal of that name kept).
   */
  signal(caller: Caller, input: SignalTaskInput): Promise<SignalTaskOutput>;
  /** Replays task_events after `afterSeq`, then continues live; no gap, no duplicate; ends after the terminal status event. */
  events(
    caller: Caller,
    taskId: string,
    opts: { afterSeq?: number; signal?: AbortSignal },
  ): AsyncIterable<TaskEvent>;
  /**
   * Where a stream resumed after `afterSeq` starts: the resume point, clamped to the task's last event,
   * the last status and progress events at or before it (the task's state there, folded in order), and
   * whether the task has ended with nothing after it (a stream from there would only say it is over).
   */
  resumeState(
    caller: Caller,
    taskId: string,
    afterSeq: number,
  ): Promise<{ afterSeq: number; events: TaskEvent[]; ended: boolean }>;
  /** Live events of every task the caller may see (admin: all). */
  feed(caller: Caller, opts: FeedOptions): AsyncIterable<TaskEvent>;
  /** Whether this process reaches its database (its liveness passes): now, then on every change. */
  feedState(opts: { signal?: AbortSignal }): AsyncIterable<FeedState>;
  /**
   * An artifact of a task the caller may see (NOT_FOUND otherwise, or for an unknown name): its type, size
   * and version at once, its bytes in chunks read as they are consumed, never the whole file in memory.
   */
  openArtifact(caller: Caller, taskId: string, name: string): Promise<ArtifactDownload>;
  /**
   * Admins: moves the unfinished tasks of a workflow version no live worker runs to the current version
   * (those whose params validate against it). 404: no such version; 409: it is current or still served.
   */
  moveVersionTasks(caller: Caller, input: MoveVersionTasksInput): Promise<MoveVersionTasksOutput>;
  /**
   * Admins: pauses (`paused` true) or resumes a workflow on every worker (service/workflow-pause.ts).
   * 404: no such workflow.
   */
  setWorkflowPaused(caller: Caller, input: WorkflowNameInput, paused: boolean): Promise<WorkflowPauseView>;
  /** Counts now and over the last `windowSeconds` (admins: every owner's tasks, others their own). */
  metrics(caller: Caller, opts: { windowSeconds: number }): Promise<MetricsSnapshot>;
}

export function createTaskService(ctx: TaskContext, bus: EventBus, health: DatabaseHealth): TaskService {
  const submits = new SubmitBatcher((caller, prepared) =>
    // A deadlock victim (a group held open while its task settles a dependent) is run again.
    runTransaction(ctx.db, (tx) => submitPrepared(ctx, tx, caller, prepared)),
  );
  const submitTasks = async (caller: Caller, inputs: readonly SubmitTaskRequest[]) =>
    submits.submit(caller, await prepareAll(ctx, inputs));
  return {
    async submit(caller, input) {
      const [output] = await submitTasks(caller, [input]);
      if (!output) throw new DomainError('INTERNAL', 'submit returned no task');
      return output;
    },
    async submitMany(caller, inputs) {
      if (inputs.length === 0) throw new DomainError('BAD_REQUEST', 'tasks must not be empty');
      assertBatchSize(ctx.maxBatchSize, inputs.length);
      return { tasks: await submitTasks(caller, inputs) };
    },
    get: (caller, taskId) => getTask(ctx.db, ctx.workflows, caller, taskId),
    list: (caller, input) => listTasks(ctx.db, ctx.workflows, caller, input),
    progress: (caller, taskId) => getProgress(ctx.db, caller, taskId),
    result: (caller, taskId, workflow) => getResult(ctx, caller, taskId, workflow),
    cancel: (caller, taskId) => cancelTask(ctx, caller, taskId),
    retry: (caller, taskId) => retryTask(ctx, caller, taskId),
    promote: (caller, taskId) => promoteTask(ctx, caller, taskId),
    cancelQueued: (caller, input) => cancelQueuedTasks(ctx, caller, input),
    remove: (caller, taskId) => removeTask(ctx, caller, taskId),
    clean: (caller, input) => cleanTasks(ctx, caller, input),
    signal: (caller, input) => signalTask(ctx, caller, input),
    events: (caller, taskId, opts) => streamTaskEvents(ctx.history, bus, caller, taskId, opts),
    resumeState: (caller, taskId, afterSeq) => getResumeState(ctx.db, caller, taskId, afterSeq),
    feed: (caller, opts) => streamFeed(bus, caller, opts),
    feedState: (opts) => streamFeedState(health, opts.signal),
    openArtifact: (caller, taskId, name) => openArtifact(ctx.db, caller, taskId, name),
    moveVersionTasks: (caller, input) => moveVersionTasks(ctx, caller, input),
    setWorkflowPaused: (caller, input, paused) => pauseWorkflow(ctx, caller, input, paused),
    metrics: async (caller, opts) => {
      const [snapshot, workers, paused] = await Promise.all([
        metricsSnapshot(ctx.db.$client, {
          owner: listedOwner(caller) ?? null,
          windowSeconds: opts.windowSeconds,
        }),
        countLiveWorkers(ctx.db, ctx.tuning.workerLeaseSeconds),
        pausedWorkflows(ctx.db),
      ]);
      return { ...snapshot, workers, paused_workflows: [...paused.keys()].sort() };
    },
  };
}
