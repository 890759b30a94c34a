import {
  ListTasksInput,
  ListTasksOutput,
  TaskIdInput,
  TaskProgressView,
  TaskResultInput,
  TaskResultView,
  TaskView,
} from '@kaygraph/contracts';
import { errors } from '../../openapi-errors.ts';
import { authedProcedure } from '../../trpc.ts';
import { rest, TAG } from './rest.ts';

/** Reading tasks: the list, one task, its result and its progress. */
export const taskReads = {
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
};
