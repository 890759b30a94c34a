import { REST_PATHS, TaskIdInput, TaskStatusOutput } from '@kaygraph/contracts';
import { logTaskAction } from '../../logging/task-logging.ts';
import { errors } from '../../openapi-errors.ts';
import { spendSubmissions } from '../../rate-limit/submission-limits.ts';
import { authedProcedure } from '../../trpc.ts';
import { rest, TAG } from './rest.ts';

/** Changing where one task stands: cancel it, retry it, run a delayed one now. */
export const taskControl = {
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
};
