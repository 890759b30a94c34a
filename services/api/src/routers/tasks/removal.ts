import {
  CleanTasksInput,
  CleanTasksOutput,
  REST_PATHS,
  RemoveTaskOutput,
  TaskIdInput,
} from '@kaygraph/contracts';
import { logTaskAction } from '../../logging/task-logging.ts';
import { errors } from '../../openapi-errors.ts';
import { authedProcedure } from '../../trpc.ts';
import { rest, TAG } from './rest.ts';

/** Removing finished tasks before their RESULT_TTL: one, or in bulk. */
export const taskRemoval = {
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
};
