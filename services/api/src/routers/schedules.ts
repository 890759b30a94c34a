import {
  CreateScheduleInput,
  DeleteScheduleOutput,
  ListSchedulesInput,
  ListSchedulesOutput,
  ScheduleIdInput,
  ScheduleView,
  UpdateScheduleInput,
} from '@kaygraph/contracts';
import { spendSubmissions } from '../rate-limit/submission-limits.ts';
import { restOperations } from '../rest-meta.ts';
import { authedProcedure, router } from '../trpc.ts';
import { notFoundOf, orchestrationOf } from './orchestration-service.ts';

const TAG = ['schedules'];
const notFound = notFoundOf('schedule');

const rest = restOperations('schedules');

export const schedulesRouter = router({
  list: authedProcedure
    .meta(
      rest.op('list', {
        openapi: {
          method: 'GET',
          path: '/schedules',
          tags: TAG,
          summary: 'List cron schedules (newest first) with their next run times',
        },
      }),
    )
    .input(ListSchedulesInput)
    .output(ListSchedulesOutput)
    .query(({ ctx, input }) => orchestrationOf(ctx).schedules.list(ctx.caller, input)),

  get: authedProcedure
    .meta(
      rest.op('get', {
        openapi: {
          method: 'GET',
          path: '/schedules/{schedule_id}',
          tags: TAG,
          summary: 'Get a cron schedule',
          errorResponses: notFound,
        },
      }),
    )
    .input(ScheduleIdInput)
    .output(ScheduleView)
    .query(({ ctx, input }) => orchestrationOf(ctx).schedules.get(ctx.caller, input.schedule_id)),

  create: authedProcedure
    .meta(
      rest.op('create', {
        openapi: {
          method: 'POST',
          path: '/schedules',
          tags: TAG,
          summary: 'Create a cron schedule',
          description:
            'Five-field cron (minute hour day-of-month month day-of-week) in an IANA time zone. Each occurrence ' +
            'creates one ordinary task (with its schedule_id), once per cluster however many workers run.',
          errorResponses: {
            409: 'CONFLICT: a schedule of that name exists, or the owner has MAX_SCHEDULES_PER_OWNER schedules',
          },
        },
        rateLimited: true,
      }),
    )
    .input(CreateScheduleInput)
    .use(({ ctx, next }) => spendSubmissions(ctx, 1, next, { what: 'schedule creation' }))
    .output(ScheduleView)
    .mutation(({ ctx, input }) => orchestrationOf(ctx).schedules.create(ctx.caller, input)),

  update: authedProcedure
    .meta(
      rest.op('update', {
        openapi: {
          method: 'PATCH',
          path: '/schedules/{schedule_id}',
          tags: TAG,
          summary: 'Change a cron schedule (cron, time zone, workflow, params, priority, name, enabled)',
          errorResponses: { 409: 'CONFLICT: a schedule of that name exists', ...notFound },
        },
      }),
    )
    .input(UpdateScheduleInput)
    .output(ScheduleView)
    .mutation(({ ctx, input }) => orchestrationOf(ctx).schedules.update(ctx.caller, input)),

  pause: authedProcedure
    .meta(
      rest.op('pause', {
        openapi: {
          method: 'POST',
          path: '/schedules/{schedule_id}/pause',
          tags: TAG,
          summary: 'Pause a cron schedule (no occurrences fire until resumed)',
          errorResponses: notFound,
        },
      }),
    )
    .input(ScheduleIdInput)
    .output(ScheduleView)
    .mutation(({ ctx, input }) => orchestrationOf(ctx).schedules.pause(ctx.caller, input.schedule_id)),

  resume: authedProcedure
    .meta(
      rest.op('resume', {
        openapi: {
          method: 'POST',
          path: '/schedules/{schedule_id}/resume',
          tags: TAG,
          summary: 'Resume a paused cron schedule',
          errorResponses: notFound,
        },
      }),
    )
    .input(ScheduleIdInput)
    .output(ScheduleView)
    .mutation(({ ctx, input }) => orchestrationOf(ctx).schedules.resume(ctx.caller, input.schedule_id)),

  delete: authedProcedure
    .meta(
      rest.op('delete', {
        openapi: {
          method: 'DELETE',
          path: '/schedules/{schedule_id}',
          tags: TAG,
          summary: 'Delete a cron schedule (the tasks it created stay)',
          errorResponses: notFound,
        },
      }),
    )
    .input(ScheduleIdInput)
    .output(DeleteScheduleOutput)
    .mutation(({ ctx, input }) => orchestrationOf(ctx).schedules.delete(ctx.caller, input.schedule_id)),
});

/** This router's REST operations (rest-operations.ts). */
export const schedulesRest = rest.table;
