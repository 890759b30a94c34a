import {
  CancelQueuedInput,
  CancelQueuedOutput,
  CleanTasksInput,
  CleanTasksOutput,
  FeedState,
  FeedStateInput,
  ListTasksInput,
  ListTasksOutput,
  REST_PATHS,
  RemoveTaskOutput,
  SignalTaskInput,
  SignalTaskOutput,
  SubmitManyInput,
  SubmitManyOutput,
  SubmitTaskInput,
  SubmitTaskOutput,
  TaskEvent,
  TaskEventsInput,
  TaskFeedInput,
  TaskIdInput,
  TaskProgressView,
  TaskResultInput,
  TaskResultView,
  TaskStatusOutput,
  TaskView,
} from '@kaygraph/contracts';
import { tracked } from '@trpc/server';
import { logTaskAction } from '../logging/task-logging.ts';
import { errors } from '../openapi-errors.ts';
import { queuedTasks, queuedUnlessDeduplicated, spendSubmissions } from '../rate-limit/submission-limits.ts';
import { restOperations } from '../rest-meta.ts';
import { parseSeq } from '../streams/task-outcome.ts';
import { withoutStack } from '../streams/without-stacks.ts';
import { holdSubscriptionSlot } from '../subscriptions/subscription-slot.ts';
import { trackedIterableOf } from '../tracked-output.ts';
import { authedProcedure, router } from '../trpc.ts';
import { taskStreamTokenProcedure } from './stream-tokens.ts';

const TAG = ['tasks'];

const rest = restOperations('tasks');

export const tasksRouter = router({
  submit: authedProcedure
    .meta(
      rest.op('submit', {
        openapi: {
          method: 'POST',
          path: '/tasks',
          tags: TAG,
          summary: 'Submit a task',
          // 404: a group_id or depends_on task that does not exist (or is not the caller's).
          errorResponses: {
            ...errors(404),
            409:
              'The idempotency key is held by a task with other params, of another workflow (or outside the ' +
              'group), or the group was cancelled or has finished',
          },
          description:
            'Queues a workflow run and answers 202 with its task_id. The idempotency key may come from the ' +
            "`Idempotency-Key` header or the body's `idempotency_key` (both only with the same value): a retry " +
            'with it and the same params answers with the first task (`deduplicated: true`) and stores nothing; ' +
            'with other params it is a 409 naming the key.',
          successDescription: 'Accepted: the task is stored and queued (or blocked / scheduled).',
        },
        headerAlternatives: { 'Idempotency-Key': 'idempotency_key' },
        successStatus: 202,
        location: '/tasks/{task_id}',
        rateLimited: true,
        queuesTasks: true,
        example: { workflow: 'demo', params: { steps: 4, step_ms: 250 }, priority: 'high' },
      }),
    )
    .input(SubmitTaskInput)
    .use(({ ctx, next }) => spendSubmissions(ctx, 1, next, { queuedBy: queuedUnlessDeduplicated }))
    .output(SubmitTaskOutput)
    .mutation(async ({ ctx, input }) => {
      const output = await ctx.services.tasks.submit(ctx.caller, input);
      logTaskAction(ctx, 'task submitted', [
        { ...output, workflow: input.workflow, priority: input.priority },
      ]);
      return output;
    }),

  submitMany: authedProcedure
    .meta(
      rest.op('submitMany', {
        openapi: {
          method: 'POST',
          path: REST_PATHS.tasksBatch,
          tags: TAG,
          summary: 'Submit several tasks in one call (at most MAX_BATCH_SIZE)',
          errorResponses: {
            ...errors(404),
            409: 'An idempotency key is held by a task with other params or of another workflow',
          },
          description: [
            'Stores every task of `tasks` in one transaction, or none (a 4xx names the index of the task at',
            'fault, `tasks.2.params.steps`), and answers 202 with their ids in the order given; each takes the',
            'fields of POST /tasks. A task with an idempotency key already held (same params) answers with the',
            'first task (`deduplicated: true`). More tasks than MAX_BATCH_SIZE are a 400: split them.',
          ].join(' '),
          successDescription: 'Accepted: every task is stored and queued (or blocked / scheduled).',
        },
        successStatus: 202,
        rateLimited: true,
        queuesTasks: true,
        batchField: 'tasks',
        example: {
          tasks: [
            { workflow: 'demo', params: { steps: 2 }, priority: 'high' },
            { workflow: 'demo', params: { steps: 4 }, run_at: '2030-01-01T09:00:00Z' },
          ],
        },
      }),
    )
    .input(SubmitManyInput)
    .use(({ ctx, input, next }) => spendSubmissions(ctx, input.tasks.length, next, { queuedBy: queuedTasks }))
    .output(SubmitManyOutput)
    .mutation(async ({ ctx, input }) => {
      const output = await ctx.services.tasks.submitMany(ctx.caller, input.tasks);
      const lines = output.tasks.map((task, index) => ({ ...task, workflow: input.tasks[index]?.workflow }));
      logTaskAction(ctx, 'task submitted', lines);
      return output;
    }),

  list: authedProcedure
    .meta(
      rest.op('list', {
        openapi: {
          method: 'GET',
          path: '/tasks',
          tags: TAG,
          summary: 'List tasks (newest first, or in the order the queue runs them)',
          description: [
            '`order=next_to_run` lists one unfinished status by priority (high first), then when each became',
            'runnable (run_at, or the submit when later), then id. For the queued tasks of one workflow that is',
            'the order they start in, except where workers take a task by when it was last put in the queue: a',
            'retry whose backoff is over starts sooner than listed (by that time, not by its run_at); a task queued',
            'again after its submit (released by its dependencies or group, resumed after a wait, given back by a',
            'stopping worker, retried by hand, redriven) starts later (behind the tasks queued before that); a due',
            '`scheduled` task is taken among the queued ones by its submit; a batch starts in its given order as a',
            'rule only. Each workflow is a queue of its own: across workflows the list is no start order.',
            '`id_prefix` finds the tasks whose id starts with it (the 8 characters lists show): one match names',
            'the task.',
          ].join(' '),
          errorResponses: { 403: "FORBIDDEN: only admin keys may list another owner's tasks (`owner`)" },
        },
      }),
    )
    .input(ListTasksInput)
    .output(ListTasksOutput)
    .query(({ ctx, input }) => ctx.services.tasks.list(ctx.caller, input)),

  get: authedProcedure
    .meta(
      rest.op('get', {
        openapi: {
          method: 'GET',
          path: '/tasks/{task_id}',
          tags: TAG,
          summary: 'Get a task',
          errorResponses: errors(404),
        },
      }),
    )
    .input(TaskIdInput)
    .output(TaskView)
    .query(({ ctx, input }) => ctx.services.tasks.get(ctx.caller, input.task_id)),

  result: authedProcedure
    .meta(
      rest.op('result', {
        openapi: {
          method: 'GET',
          path: '/tasks/{task_id}/result',
          tags: TAG,
          summary: "Get a task's result",
          errorResponses: {
            ...errors(404),
            409: 'RESULT_NOT_READY: the task has not finished; CONFLICT: it is not of the workflow `workflow` names',
          },
          description:
            'Answers 409 RESULT_NOT_READY until the task is completed, failed or cancelled; with `workflow`, 409 ' +
            'CONFLICT when the task is of another workflow (the result would not have the type expected).',
        },
      }),
    )
    .input(TaskResultInput)
    .output(TaskResultView)
    .query(({ ctx, input }) => ctx.services.tasks.result(ctx.caller, input.task_id, input.workflow)),

  progress: authedProcedure
    .meta(
      rest.op('progress', {
        openapi: {
          method: 'GET',
          path: '/tasks/{task_id}/progress',
          tags: TAG,
          summary: "Get a task's progress",
          errorResponses: errors(404),
        },
      }),
    )
    .input(TaskIdInput)
    .output(TaskProgressView)
    .query(({ ctx, input }) => ctx.services.tasks.progress(ctx.caller, input.task_id)),

  cancel: authedProcedure
    .meta(
      rest.op('cancel', {
        openapi: {
          method: 'DELETE',
          path: '/tasks/{task_id}',
          tags: TAG,
          summary: 'Cancel a task',
          errorResponses: errors(404, 409),
        },
      }),
    )
    .input(TaskIdInput)
    .output(TaskStatusOutput)
    .mutation(async ({ ctx, input }) => {
      const output = await ctx.services.tasks.cancel(ctx.caller, input.task_id);
      logTaskAction(ctx, 'task cancelled', [output]);
      return output;
    }),

  retry: authedProcedure
    .meta(
      rest.op('retry', {
        openapi: {
          method: 'POST',
          path: '/tasks/{task_id}/retry',
          tags: TAG,
          summary: 'Retry a failed or cancelled task',
          description: [
            'Runs the task again now with its full retry budget, from its last checkpoint (a `run_at` it had',
            'is not waited for again), without the signals kept for its last run; it waits for dependencies',
            'that have not completed (`blocked`), and a failed or cancelled dependency refuses it (409: retry',
            'that one first). A child task runs again only while its parent waits for it (409 otherwise:',
            'retry the parent).',
          ].join(' '),
          errorResponses: errors(404, 409),
        },
        rateLimited: true,
        queuesTasks: true,
      }),
    )
    .input(TaskIdInput)
    .use(({ ctx, next }) => spendSubmissions(ctx, 1, next))
    .output(TaskStatusOutput)
    .mutation(async ({ ctx, input }) => {
      const output = await ctx.services.tasks.retry(ctx.caller, input.task_id);
      logTaskAction(ctx, 'task retried', [output]);
      return output;
    }),

  promote: authedProcedure
    .meta(
      rest.op('promote', {
        openapi: {
          method: 'POST',
          path: REST_PATHS.taskPromote,
          tags: TAG,
          summary: 'Run a delayed task now',
          description: [
            'A `scheduled` task (submitted with a `run_at` it has not reached) becomes `queued` and starts in',
            'its turn, as if submitted now without `run_at` (BullMQ: promote). Any other status is a 409 naming',
            'it; a retry waiting out its backoff is `queued` and not promoted.',
          ].join(' '),
          errorResponses: errors(404, 409),
        },
      }),
    )
    .input(TaskIdInput)
    .output(TaskStatusOutput)
    .mutation(async ({ ctx, input }) => {
      const output = await ctx.services.tasks.promote(ctx.caller, input.task_id);
      logTaskAction(ctx, 'task promoted', [output]);
      return output;
    }),

  remove: authedProcedure
    .meta(
      rest.op('remove', {
        openapi: {
          method: 'POST',
          path: REST_PATHS.taskRemove,
          tags: TAG,
          summary: 'Remove a finished task before its RESULT_TTL',
          description: [
            'Deletes a completed, failed or cancelled task now (BullMQ: `job.remove()`): the task, its child',
            'tasks, events, artifacts and dead-letter entry; afterwards it is a 404. Any other status is a 409',
            'naming it (DELETE /tasks/{task_id} cancels). A child task is a 409 (it goes with its parent, whose',
            'retry reuses it), and so is a task something unfinished still reads: a task that depends on it,',
            'another task of its group; remove it once they finished.',
          ].join(' '),
          errorResponses: errors(404, 409),
        },
      }),
    )
    .input(TaskIdInput)
    .output(RemoveTaskOutput)
    .mutation(async ({ ctx, input }) => {
      const output = await ctx.services.tasks.remove(ctx.caller, input.task_id);
      logTaskAction(ctx, 'task removed', [{ task_id: output.task_id, status: 'removed' }]);
      return output;
    }),

  clean: authedProcedure
    .meta(
      rest.op('clean', {
        openapi: {
          method: 'POST',
          path: REST_PATHS.tasksClean,
          tags: TAG,
          summary: 'Remove finished tasks in bulk (at most `limit`, and MAX_BATCH_SIZE, per call)',
          description: [
            "Removes the caller's finished tasks (an admin key: every owner's) of `status` (default: completed,",
            'failed and cancelled) that finished before `finished_before` (default: now), optionally of one',
            'workflow, oldest finish first, as POST /tasks/{task_id}/remove does one (BullMQ: `queue.clean`).',
            'Tasks that one would refuse stay. Call again while `has_more` is true.',
          ].join(' '),
        },
        batchField: 'limit',
        example: { status: ['completed'], finished_before: '2030-01-01T00:00:00Z' },
      }),
    )
    .input(CleanTasksInput)
    .output(CleanTasksOutput)
    .mutation(async ({ ctx, input }) => {
      const output = await ctx.services.tasks.clean(ctx.caller, input);
      logTaskAction(
        ctx,
        'task removed',
        output.task_ids.map((taskId) => ({ task_id: taskId, status: 'removed' })),
      );
      return output;
    }),

  cancelQueued: authedProcedure
    .meta(
      rest.op('cancelQueued', {
        openapi: {
          method: 'POST',
          path: '/tasks/cancel-queued',
          tags: TAG,
          summary: "Cancel a workflow's queued tasks (admin; at most `limit`, and MAX_BATCH_SIZE, per call)",
          description: [
            "Cancels the workflow's tasks that wait in the queue for a worker (status `queued`, every owner's),",
            'oldest first, as DELETE /tasks/{task_id} does one; running, waiting, blocked and scheduled ones stay.',
            'Call again until `cancelled` is 0.',
          ].join(' '),
        },
        adminOnly: true,
        batchField: 'limit',
        example: { workflow: 'demo' },
      }),
    )
    .input(CancelQueuedInput)
    .output(CancelQueuedOutput)
    .mutation(async ({ ctx, input }) => {
      const output = await ctx.services.tasks.cancelQueued(ctx.caller, input);
      const lines = output.task_ids.map((taskId) => ({
        task_id: taskId,
        status: 'cancelled',
        workflow: input.workflow,
      }));
      logTaskAction(ctx, 'task cancelled', lines);
      return output;
    }),

  signal: authedProcedure
    .meta(
      rest.op('signal', {
        openapi: {
          method: 'POST',
          path: REST_PATHS.taskSignal,
          tags: TAG,
          summary: 'Send a signal to a task',
          errorResponses: {
            ...errors(404),
            409:
              'CONFLICT: the task does not wait for this signal (finished, deadline passed, wait already ended, or one ' +
              'already kept), or the Idempotency-Key was sent with another signal name or payload',
          },
          description: [
            "The JSON body is the payload, checked against the schema the task's workflow declares for the",
            'signal (`signals_schema` in GET /workflows): a mismatch is a 400 naming the field. A task waiting for',
            'the signal resumes (`taken: resumed`); a task that has not reached the wait yet keeps it for then',
            '(`taken: stored`). Of signals racing for one wait exactly one is taken; the others get 409.',
            'Without a key, a signal repeated after the wait it ended is kept for the next wait of that name:',
            "send an `Idempotency-Key` (a webhook's delivery id) and a repeat answers as the first did",
            '(`deduplicated: true`), changing nothing; the key with another name or payload (compared as JSON',
            'values) is a 409. Keys are per task, kept as long as its result. A signal spends one token of the',
            "key's rate limit, as a submit does: a refused one (4xx) and a repeat of a key cost nothing.",
          ].join(' '),
        },
        bodyField: 'payload',
        headerFields: { 'Idempotency-Key': 'idempotency_key' },
        rateLimited: true,
      }),
    )
    .input(SignalTaskInput)
    .use(({ ctx, next }) =>
      spendSubmissions(ctx, 1, next, { what: 'signal', queuedBy: queuedUnlessDeduplicated }),
    )
    .output(SignalTaskOutput)
    .mutation(async ({ ctx, input }) => {
      const output = await ctx.services.tasks.signal(ctx.caller, input);
      logTaskAction(ctx, 'task signalled', [output]);
      return output;
    }),

  streamToken: taskStreamTokenProcedure,

  /** Status, progress and log events of one task; resumes after `lastEventId`; ends after the terminal event. */
  events: authedProcedure
    .input(TaskEventsInput)
    .output(trackedIterableOf(TaskEvent))
    .subscription(async function* ({ ctx, input, signal }) {
      using _slot = holdSubscriptionSlot(ctx);
      const afterSeq = parseSeq(input.lastEventId) ?? 0;
      for await (const event of ctx.services.tasks.events(ctx.caller, input.task_id, { afterSeq, signal })) {
        yield tracked(String(event.seq), withoutStack(event));
      }
    }),

  /** Live events of every task the caller may see, for dashboards (no replay). */
  feed: authedProcedure
    .input(TaskFeedInput)
    .output(trackedIterableOf(TaskEvent))
    .subscription(async function* ({ ctx, input, signal }) {
      using _slot = holdSubscriptionSlot(ctx);
      const { workflow, types } = input;
      for await (const event of ctx.services.tasks.feed(ctx.caller, { signal, workflow, types })) {
        yield tracked(`${event.task_id}:${event.seq}`, withoutStack(event));
      }
    }),

  /**
   * Whether this api reaches its database (its liveness passes): on subscribing, then on every change.
   * While `unreachable` the feed is silent; once `reachable` again, what it missed must be read again.
   */
  feedState: authedProcedure
    .input(FeedStateInput)
    .output(trackedIterableOf(FeedState))
    .subscription(async function* ({ ctx, signal }) {
      using _slot = holdSubscriptionSlot(ctx);
      let sent = 0;
      for await (const state of ctx.services.tasks.feedState({ signal })) {
        sent += 1;
        yield tracked(String(sent), state);
      }
    }),
});

/** This router's REST operations (rest-operations.ts). */
export const tasksRest = rest.table;
