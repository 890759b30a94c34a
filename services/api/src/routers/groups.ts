import {
  AddGroupTasksInput,
  AddGroupTasksOutput,
  CancelGroupOutput,
  CreateGroupInput,
  CreateGroupOutput,
  ExecuteGroupOutput,
  GetGroupInput,
  GroupEvent,
  GroupEventsInput,
  GroupIdInput,
  GroupView,
  ListGroupsInput,
  ListGroupsOutput,
} from '@kaygraph/contracts';
import { tracked } from '@trpc/server';
import { errors } from '../openapi-errors.ts';
import { queuedTasks, spendSubmissions } from '../rate-limit/submission-limits.ts';
import { restOperations } from '../rest-meta.ts';
import { groupEventWithoutStack } from '../streams/without-stacks.ts';
import { holdSubscriptionSlot } from '../subscriptions/subscription-slot.ts';
import { trackedIterableOf } from '../tracked-output.ts';
import { authedProcedure, router } from '../trpc.ts';
import { notFoundOf, orchestrationOf } from './orchestration-service.ts';
import { groupStreamTokenProcedure } from './stream-tokens.ts';

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
          summary: 'Create a task group, with its tasks or empty',
          description:
            'Creates the group and all of its tasks in one transaction: all are stored, or none; they run at ' +
            'once. Or create it empty, add tasks with POST /groups/{group_id}/tasks (held until execute), then ' +
            'POST /groups/{group_id}/execute.',
          errorResponses: {
            ...errors(404),
            409: 'An idempotency key is held by a task outside the group (or of another workflow, or with other params)',
          },
        },
        rateLimited: true,
        queuesTasks: true,
        batchField: 'tasks',
      }),
    )
    .input(CreateGroupInput)
    .use(({ ctx, input, next }) =>
      spendSubmissions(ctx, input.tasks?.length ?? 0, next, { queuedBy: queuedTasks }),
    )
    .output(CreateGroupOutput)
    .mutation(({ ctx, input }) => orchestrationOf(ctx).groups.create(ctx.caller, input)),

  addTasks: authedProcedure
    .meta(
      rest.op('addTasks', {
        openapi: {
          method: 'POST',
          path: '/groups/{group_id}/tasks',
          tags: TAG,
          summary: 'Add tasks to a group, held (status pending) until the group is executed',
          description:
            'All tasks are stored, or none. They count against MAX_QUEUE_SIZE from now and run after ' +
            'POST /groups/{group_id}/execute.',
          errorResponses: {
            409:
              'CONFLICT: the group was cancelled or has finished (completed, failed or partially_failed): it ' +
              'takes no new tasks; or an idempotency key is held by a task outside it (or of another workflow, or ' +
              'with other params)',
            ...notFoundOf('group'),
          },
        },
        rateLimited: true,
        queuesTasks: true,
        batchField: 'tasks',
      }),
    )
    .input(AddGroupTasksInput)
    .use(({ ctx, input, next }) => spendSubmissions(ctx, input.tasks.length, next, { queuedBy: queuedTasks }))
    .output(AddGroupTasksOutput)
    .mutation(({ ctx, input }) => orchestrationOf(ctx).groups.addTasks(ctx.caller, input)),

  execute: authedProcedure
    .meta(
      rest.op('execute', {
        openapi: {
          method: 'POST',
          path: '/groups/{group_id}/execute',
          tags: TAG,
          summary: "Run a group's held tasks",
          errorResponses: { 409: 'CONFLICT: the group was cancelled', ...notFoundOf('group') },
        },
      }),
    )
    .input(GroupIdInput)
    .output(ExecuteGroupOutput)
    .mutation(({ ctx, input }) => orchestrationOf(ctx).groups.execute(ctx.caller, input.group_id)),

  list: authedProcedure
    .meta(
      rest.op('list', {
        openapi: {
          method: 'GET',
          path: '/groups',
          tags: TAG,
          summary: 'List task groups (newest first)',
        },
      }),
    )
    .input(ListGroupsInput)
    .output(ListGroupsOutput)
    .query(({ ctx, input }) => orchestrationOf(ctx).groups.list(ctx.caller, input)),

  streamToken: groupStreamTokenProcedure,

  get: authedProcedure
    .meta(
      rest.op('get', {
        openapi: {
          method: 'GET',
          path: '/groups/{group_id}',
          tags: TAG,
          summary: 'Get a task group: counts per status, aggregate progress, status and results by task',
          description:
            'The summary counts every task; `tasks` is a page of them in creation order, each with its result: ' +
            'at most `tasks_limit` (default and most 1,000) and 8 MiB of results (a larger result comes alone). ' +
            'While `tasks_next_cursor` is not null, pass it as `tasks_cursor` for the next page.',
          errorResponses: notFoundOf('group'),
        },
      }),
    )
    .input(GetGroupInput)
    .output(GroupView)
    .query(({ ctx, input }) => orchestrationOf(ctx).groups.get(ctx.caller, input)),

  cancel: authedProcedure
    .meta(
      rest.op('cancel', {
        openapi: {
          method: 'DELETE',
          path: '/groups/{group_id}',
          tags: TAG,
          summary: 'Cancel every unfinished task of a group',
          errorResponses: { 409: 'CONFLICT: the group has finished already', ...notFoundOf('group') },
        },
      }),
    )
    .input(GroupIdInput)
    .output(CancelGroupOutput)
    .mutation(({ ctx, input }) => orchestrationOf(ctx).groups.cancel(ctx.caller, input.group_id)),

  /** The group summary, every event of its tasks (logs included), and fresh summaries; ends when the group does. */
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
