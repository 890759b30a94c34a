import { REST_PATHS, SignalTaskInput, SignalTaskOutput } from '@kaygraph/contracts';
import { logTaskAction } from '../../logging/task-logging.ts';
import { errors } from '../../openapi-errors.ts';
import { queuedUnlessDeduplicated, spendSubmissions } from '../../rate-limit/submission-limits.ts';
import { authedProcedure } from '../../trpc.ts';
import { rest, TAG } from './rest.ts';

/** Sends a signal (its JSON payload) to a task that waits for it now or will. */
export const signalProcedure = authedProcedure
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
  });
