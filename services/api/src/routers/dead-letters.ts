import {
  DeadLetterTaskInput,
  ListDeadLettersInput,
  ListDeadLettersOutput,
  PurgeDeadLetterOutput,
  RedriveAllInput,
  RedriveAllOutput,
  RedriveOutput,
} from '@kaygraph/contracts';
import { spendSubmissions, withSubmissionCharges } from '../rate-limit/submission-limits.ts';
import { restOperations } from '../rest-meta.ts';
import { authedProcedure, router } from '../trpc.ts';
import { notFoundOf, orchestrationOf } from './orchestration-service.ts';

const TAG = ['dead-letters'];
const notFound = notFoundOf('dead letter');

const rest = restOperations('deadLetters');

export const deadLettersRouter = router({
  list: authedProcedure
    .meta(
      rest.op('list', {
        openapi: {
          method: 'GET',
          path: '/dead-letters',
          tags: TAG,
          summary: 'List failed tasks with their reason (last error) and attempt history',
        },
      }),
    )
    .input(ListDeadLettersInput)
    .output(ListDeadLettersOutput)
    .query(({ ctx, input }) => orchestrationOf(ctx).deadLetters.list(ctx.caller, input)),

  redrive: authedProcedure
    .meta(
      rest.op('redrive', {
        openapi: {
          method: 'POST',
          path: '/dead-letters/{task_id}/redrive',
          tags: TAG,
          summary: 'Run a dead-lettered task again (same params, full retry budget)',
          errorResponses: {
            409: 'CONFLICT: its workflow is no longer registered, a dependency failed or was cancelled, or it is a child task its parent no longer waits for (retry the parent)',
            ...notFound,
          },
        },
        rateLimited: true,
        queuesTasks: true,
      }),
    )
    .input(DeadLetterTaskInput)
    .use(({ ctx, next }) => spendSubmissions(ctx, 1, next, { what: 'redrive' }))
    .output(RedriveOutput)
    .mutation(({ ctx, input }) => orchestrationOf(ctx).deadLetters.redrive(ctx.caller, input.task_id)),

  redriveAll: authedProcedure
    .meta(
      rest.op('redriveAll', {
        openapi: {
          method: 'POST',
          path: '/dead-letters/redrive',
          tags: TAG,
          summary:
            'Run dead-lettered tasks again (optionally of one workflow; at most `limit`, and MAX_BATCH_SIZE, per call: call again while `has_more` says more remain)',
          // Dead letters that cannot run (a failed dependency, a child its parent no longer waits for) are
          // left in the list, never a 409.
        },
        rateLimited: true,
        queuesTasks: true,
        batchField: 'limit',
      }),
    )
    .input(RedriveAllInput)
    .output(RedriveAllOutput)
    .mutation(({ ctx, input }) =>
      withSubmissionCharges(
        ctx,
        (charge) =>
          orchestrationOf(ctx).deadLetters.redriveAll(ctx.caller, input, (count) => charge(count, 'redrive')),
        (output) => output.redriven,
      ),
    ),

  purge: authedProcedure
    .meta(
      rest.op('purge', {
        openapi: {
          method: 'DELETE',
          path: '/dead-letters/{task_id}',
          tags: TAG,
          summary: 'Remove a dead letter (the task stays failed)',
          errorResponses: notFound,
        },
      }),
    )
    .input(DeadLetterTaskInput)
    .output(PurgeDeadLetterOutput)
    .mutation(({ ctx, input }) => orchestrationOf(ctx).deadLetters.purge(ctx.caller, input.task_id)),
});

/** This router's REST operations (rest-operations.ts). */
export const deadLettersRest = rest.table;
