import {
  CancelGroupOutput,
  CreateGroupInput,
  CreateGroupOutput,
  GroupEvent,
  GroupEventsInput,
  GroupIdInput,
  GroupView,
  ListGroupsInput,
  ListGroupsOutput,
} from '@kaygraph/contracts';
import { tracked } from '@trpc/server';
import { errors } from '../openapi-errors.ts';
import { spendSubmissions } from '../rate-limit/submission-limits.ts';
import { restOperations } from '../rest-meta.ts';
import { groupEventWithoutStack } from '../streams/without-stacks.ts';
import { holdSubscriptionSlot } from '../subscriptions/subscription-slot.ts';
import { trackedIterableOf } from '../tracked-output.ts';
import { authedProcedure, router } from '../trpc.ts';
import { notFoundOf, orchestrationOf } from './orchestration-service.ts';

const TAG = ['groups'];

const rest = restOperations('groups');

export const groupsRouter = router({
  create: authedProcedure
    .meta(
      rest.op('create', {
        openapi: {
          method: 'POST',
          path: '/groups',
          tags: TAG,
          summary: 'Create a task group with its tasks',
          description: 'Creates the group and all of its tasks in one transaction: all are stored, or none.',
          errorResponses: errors(400, 401, 404, 413, 429),
        },
      }),
    )
    .input(CreateGroupInput)
    .use(({ ctx, input, next }) => spendSubmissions(ctx, input.tasks?.length ?? 0, next))
    .output(CreateGroupOutput)
    .mutation(({ ctx, input }) => orchestrationOf(ctx).groups.create(ctx.caller, input)),

  list: authedProcedure
    .meta(
      rest.op('list', {
        openapi: {
          method: 'GET',
          path: '/groups',
          tags: TAG,
          summary: 'List task groups (newest first)',
          errorResponses: errors(400, 401),
        },
      }),
    )
    .input(ListGroupsInput)
    .output(ListGroupsOutput)
    .query(({ ctx, input }) => orchestrationOf(ctx).groups.list(ctx.caller, input)),

  get: authedProcedure
    .meta(
      rest.op('get', {
        openapi: {
          method: 'GET',
          path: '/groups/{group_id}',
          tags: TAG,
          summary: 'Get a task group: counts per status, aggregate progress, status and results by task',
          errorResponses: { ...errors(400, 401), ...notFoundOf('group') },
        },
      }),
    )
    .input(GroupIdInput)
    .output(GroupView)
    .query(({ ctx, input }) => orchestrationOf(ctx).groups.get(ctx.caller, input.group_id)),

  cancel: authedProcedure
    .meta(
      rest.op('cancel', {
        openapi: {
          method: 'DELETE',
          path: '/groups/{group_id}',
          tags: TAG,
          summary: 'Cancel every unfinished task of a group',
          errorResponses: { ...errors(400, 401, 409), ...notFoundOf('group') },
        },
      }),
    )
    .input(GroupIdInput)
    .output(CancelGroupOutput)
    .mutation(({ ctx, input }) => orchestrationOf(ctx).groups.cancel(ctx.caller, input.group_id)),

  /** The group summary, its tasks' status and progress events, and fresh summaries; ends when the group does. */
  events: authedProcedure
    .input(GroupEventsInput)
    .output(trackedIterableOf(GroupEvent))
    .subscription(async function* ({ ctx, input, signal }) {
      using _slot = holdSubscriptionSlot(ctx);
      let n = 0;
      for await (const event of orchestrationOf(ctx).groups.events(ctx.caller, input.group_id, { signal })) {
        n++;
        yield tracked(String(n), groupEventWithoutStack(event));
      }
    }),
});

/** This router's REST operations (rest-operations.ts). */
export const groupsRest = rest.table;
