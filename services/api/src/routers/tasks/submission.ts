import {
  REST_PATHS,
  SubmitManyInput,
  SubmitManyOutput,
  SubmitTaskInput,
  SubmitTaskOutput,
} from '@kaygraph/contracts';
import { logTaskAction } from '../../logging/task-logging.ts';
import { errors } from '../../openapi-errors.ts';
import {
  queuedTasks,
  queuedUnlessDeduplicated,
  spendSubmissions,
} from '../../rate-limit/submission-limits.ts';
import { authedProcedure } from '../../trpc.ts';
import { rest, TAG } from './rest.ts';

/** Submitting tasks: one (`POST /tasks`) or a batch stored in one transaction. */
export const taskSubmission = {
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
};
