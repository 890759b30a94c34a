import { FeedState, FeedStateInput, TaskEvent, TaskEventsInput, TaskFeedInput } from '@kaygraph/contracts';
import { tracked } from '@trpc/server';
import { parseSeq } from '../../streams/task-outcome.ts';
import { withoutStack } from '../../streams/without-stacks.ts';
import { holdSubscriptionSlot } from '../../subscriptions/subscription-slot.ts';
import { trackedIterableOf } from '../../tracked-output.ts';
import { authedProcedure } from '../../trpc.ts';
import { taskStreamTokenProcedure } from '../stream-tokens.ts';

/** Following tasks live: one task's events, every visible task's feed, and whether the feed is live. */
export const taskSubscriptions = {
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
};
