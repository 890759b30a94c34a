import type {
  AddGroupTasksInput,
  AddGroupTasksOutput,
  CancelGroupOutput,
  CreateGroupInput,
  CreateGroupOutput,
  CreateScheduleInput,
  DeleteScheduleOutput,
  ExecuteGroupOutput,
  GetGroupInput,
  GroupEvent,
  GroupSummary,
  GroupView,
  ListDeadLettersInput,
  ListDeadLettersOutput,
  ListGroupsInput,
  ListGroupsOutput,
  ListSchedulesInput,
  ListSchedulesOutput,
  PurgeDeadLetterOutput,
  RedriveAllOutput,
  RedriveOutput,
  ScheduleView,
  UpdateScheduleInput,
} from '@kaygraph/contracts';
import type { Caller } from '../caller.ts';
import type { TaskContext } from '../context.ts';
import type { EventBus } from '../events/event-bus.ts';
import {
  listDeadLetters,
  purgeDeadLetter,
  type RedriveSpend,
  redriveAllDeadLetters,
  redriveDeadLetter,
} from './dead-letters.ts';
import { streamGroupEvents } from './group-stream.ts';
import { loadGroupSummary } from './group-summary.ts';
import { addGroupTasks, cancelGroup, createGroup, executeGroup, getGroup, listGroups } from './groups.ts';
import {
  createSchedule,
  deleteSchedule,
  getSchedule,
  listSchedules,
  setScheduleEnabled,
  updateSchedule,
} from './schedules.ts';

export interface GroupService {
  /** Creates the group and its tasks atomically (the tasks run at once). */
  create(caller: Caller, input: CreateGroupInput): Promise<CreateGroupOutput>;
  /** Adds tasks held (`pending`) until `execute`. */
  addTasks(caller: Caller, input: AddGroupTasksInput): Promise<AddGroupTasksOutput>;
  /** Releases the group's held tasks to run. */
  execute(caller: Caller, groupId: string): Promise<ExecuteGroupOutput>;
  /** The group and a page of its tasks with their results (the first page: every task of a small group). */
  get(caller: Caller, input: GetGroupInput): Promise<GroupView>;
  /** The group's summary alone (counts, progress, status): no task, no result is read. */
  summary(caller: Caller, groupId: string): Promise<GroupSummary>;
  list(caller: Caller, input: ListGroupsInput): Promise<ListGroupsOutput>;
  cancel(caller: Caller, groupId: string): Promise<CancelGroupOutput>;
  /** Summary, then task status/progress events and fresh summaries, until the group finishes. */
  events(caller: Caller, groupId: string, opts: { signal?: AbortSignal }): AsyncIterable<GroupEvent>;
}

export interface ScheduleService {
  create(caller: Caller, input: CreateScheduleInput): Promise<ScheduleView>;
  list(caller: Caller, input: ListSchedulesInput): Promise<ListSchedulesOutput>;
  get(caller: Caller, scheduleId: string): Promise<ScheduleView>;
  update(caller: Caller, input: UpdateScheduleInput): Promise<ScheduleView>;
  pause(caller: Caller, scheduleId: string): Promise<ScheduleView>;
  resume(caller: Caller, scheduleId: string): Promise<ScheduleView>;
  delete(caller: Caller, scheduleId: string): Promise<DeleteScheduleOutput>;
}

export interface DeadLetterService {
  list(caller: Caller, input: ListDeadLettersInput): Promise<ListDeadLettersOutput>;
  redrive(caller: Caller, taskId: string): Promise<RedriveOutput>;
  /** At most `limit` and MAX_BATCH_SIZE per call; `spend` charges the caller's rate limit for the runnable ones it takes. */
  redriveAll(
    caller: Caller,
    input: { workflow?: string | undefined; limit?: number | undefined },
    spend?: RedriveSpend,
  ): Promise<RedriveAllOutput>;
  purge(caller: Caller, taskId: string): Promise<PurgeDeadLetterOutput>;
}

/**
 * Groups, cron schedules and the dead-letter queue, as callers see them (chaining and delayed tasks are
 * part of `tasks.submit`). Every read and write is scoped to the caller's owner unless admin; errors are
 * `DomainError`s.
 *
 * @example
 * const { group_id } = await system.orchestration.groups.create(caller, { name: 'batch', tasks });
 * for await (const event of system.orchestration.groups.events(caller, group_id, {})) console.log(event);
 */
export interface OrchestrationService {
  groups: GroupService;
  schedules: ScheduleService;
  deadLetters: DeadLetterService;
}

export function createOrchestration(ctx: TaskContext, bus: EventBus): OrchestrationService {
  return {
    groups: {
      create: (caller, input) => createGroup(ctx, caller, input),
      addTasks: (caller, input) => addGroupTasks(ctx, caller, input),
      execute: (caller, groupId) => executeGroup(ctx, caller, groupId),
      get: (caller, input) => getGroup(ctx, caller, input),
      summary: async (caller, groupId) => (await loadGroupSummary(ctx.db, caller, groupId)).summary,
      list: (caller, input) => listGroups(ctx, caller, input),
      cancel: (caller, groupId) => cancelGroup(ctx, caller, groupId),
      events: (caller, groupId, opts) => streamGroupEvents(ctx, bus, caller, groupId, opts),
    },
    schedules: {
      create: (caller, input) => createSchedule(ctx, caller, input),
      list: (caller, input) => listSchedules(ctx.db, caller, input),
      get: (caller, scheduleId) => getSchedule(ctx.db, caller, scheduleId),
      update: (caller, input) => updateSchedule(ctx, caller, input),
      pause: (caller, scheduleId) => setScheduleEnabled(ctx, caller, scheduleId, false),
      resume: (caller, scheduleId) => setScheduleEnabled(ctx, caller, scheduleId, true),
      delete: (caller, scheduleId) => deleteSchedule(ctx, caller, scheduleId),
    },
    deadLetters: {
      list: (caller, input) => listDeadLetters(ctx, caller, input),
      redrive: (caller, taskId) => redriveDeadLetter(ctx, caller, taskId),
      redriveAll: (caller, input, spend) => redriveAllDeadLetters(ctx, caller, input, spend),
      purge: (caller, taskId) => purgeDeadLetter(ctx, caller, taskId),
    },
  };
}
