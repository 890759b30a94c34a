import { CancelQueuedInput, CancelQueuedOutput } from '@kaygraph/contracts';
import { logTaskAction } from '../../logging/task-logging.ts';
import { authedProcedure } from '../../trpc.ts';
import { rest, TAG } from './rest.ts';

/** Cancels the queued tasks of one workflow, every owner's (admins), a page at a time. */
export const cancelQueuedProcedure = authedProcedure
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
  });
