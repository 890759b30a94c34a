import {
  CreateScheduleInput,
  type DeleteScheduleOutput,
  DomainError,
  isUuid,
  type ListSchedulesInput,
  type ListSchedulesOutput,
  ListSchedulesInput as ListSchedulesSchema,
  type Priority,
  ScheduleSkip,
  type ScheduleView,
  UpdateScheduleInput,
} from '@kaygraph/contracts';
import { type Caller, listedOwner, mayAccess } from '../caller.ts';
import type { TaskContext } from '../context.ts';
import { decodeCursor, pageOf } from '../cursor.ts';
import { isUniqueViolation } from '../database-errors.ts';
import type { Executor, Transaction } from '../db.ts';
import {
  countOwnerSchedules,
  deleteScheduleRow,
  insertSchedule,
  listScheduleRows,
  loadSchedule,
  lockOwnerSchedules,
  lockSchedule,
  type ScheduleRow,
  updateScheduleRow,
} from '../store/schedules.ts';
import { prepareSubmits } from '../submit/validate-submit.ts';
import { nextRuns, validateCron, validateTimezone } from './cron.ts';

function notFound(scheduleId: string): DomainError {
  return new DomainError('NOT_FOUND', `schedule ${scheduleId} not found`);
}

export function toScheduleView(row: ScheduleRow): ScheduleView {
  return {
    schedule_id: row.id,
    name: row.name,
    cron: row.cron,
    timezone: row.timezone,
    workflow: row.workflow,
    params: (row.params ?? {}) as Record<string, unknown>,
    priority: row.priority as Priority,
    concurrency_key: row.concurrencyKey,
    enabled: row.enabled,
    next_runs: row.enabled ? nextRuns(row.cron, row.timezone) : [],
    last_run_at: row.lastRunAt ? row.lastRunAt.toISOString() : null,
    last_error: lastErrorOf(row),
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

/** The stored skip as the contract shows it (a row written by this code always parses). */
function lastErrorOf(row: ScheduleRow): ScheduleSkip | null {
  const parsed = ScheduleSkip.safeParse(row.lastError);
  return parsed.success ? parsed.data : null;
}

/**
 * Checks the workflow, its params and the concurrency key against the registry now, by the submit's rules,
 * so a schedule cannot fire tasks that would be refused; returns the workflow's name (an alias resolved)
 * and its default priority.
 */
async function checkWorkflow(
  ctx: TaskContext,
  workflow: string,
  params: Record<string, unknown>,
  concurrencyKey: string | null,
  db: Executor,
): Promise<{ name: string; defaultPriority: Priority }> {
  const [prepared] = await prepareSubmits(
    ctx.workflows,
    [{ workflow, params, ...(concurrencyKey === null ? {} : { concurrency_key: concurrencyKey }) }],
    ctx.defaultTimeoutSeconds,
    db,
  );
  if (!prepared) throw new DomainError('INTERNAL', "the schedule's workflow could not be checked");
  return { name: prepared.workflow.name, defaultPriority: prepared.priority };
}

async function lockVisible(tx: Transaction, caller: Caller, scheduleId: string): Promise<ScheduleRow> {
  if (!isUuid(scheduleId)) throw notFound(scheduleId);
  const row = await lockSchedule(tx, scheduleId);
  if (!row || !mayAccess(caller, row.owner)) throw notFound(scheduleId);
  return row;
}

/**
 * CONFLICT when the owner already has `maxSchedulesPerOwner` schedules. Under the owner's schedule lock
 * until commit, so concurrent creates cannot pass the cap together.
 */
async function assertScheduleRoom(ctx: TaskContext, tx: Transaction, owner: string): Promise<void> {
  const max = ctx.maxSchedulesPerOwner;
  if (max === undefined) return;
  await lockOwnerSchedules(tx, owner);
  if ((await countOwnerSchedules(tx, owner, max)) >= max) {
    throw new DomainError(
      'CONFLICT',
      `schedule limit reached: ${owner} has ${max} schedules (MAX_SCHEDULES_PER_OWNER); delete one first`,
    );
  }
}

async function withNameConflict<T>(name: string | undefined, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new DomainError('CONFLICT', `a schedule named "${name}" already exists`, {
        issues: [{ path: 'name', message: 'already taken' }],
      });
    }
    throw error;
  }
}

export async function createSchedule(
  ctx: TaskContext,
  caller: Caller,
  raw: CreateScheduleInput,
): Promise<ScheduleView> {
  const parsed = CreateScheduleInput.safeParse(raw);
  if (!parsed.success) throw DomainError.invalidInput('invalid schedule', parsed.error);
  const input = parsed.data;
  const cron = validateCron(input.cron);
  const timezone = validateTimezone(input.timezone);
  return withNameConflict(input.name, () =>
    ctx.db.transaction(async (tx) => {
      const concurrencyKey = input.concurrency_key ?? null;
      const workflow = await checkWorkflow(ctx, input.workflow, input.params, concurrencyKey, tx);
      await assertScheduleRoom(ctx, tx, caller.owner);
      const row = await insertSchedule(tx, {
        owner: caller.owner,
        name: input.name,
        cron,
        timezone,
        workflow: workflow.name,
        params: input.params,
        priority: input.priority ?? workflow.defaultPriority,
        concurrencyKey,
        enabled: input.enabled,
      });
      if (!row) throw new DomainError('INTERNAL', 'the schedule was not stored');
      return toScheduleView(row);
    }),
  );
}

export async function updateSchedule(
  ctx: TaskContext,
  caller: Caller,
  raw: UpdateScheduleInput,
): Promise<ScheduleView> {
  const parsed = UpdateScheduleInput.safeParse(raw);
  if (!parsed.success) throw DomainError.invalidInput('invalid schedule update', parsed.error);
  const input = parsed.data;
  const cron = input.cron === undefined ? undefined : validateCron(input.cron);
  const timezone = input.timezone === undefined ? undefined : validateTimezone(input.timezone);
  return withNameConflict(input.name, () =>
    ctx.db.transaction(async (tx) => {
      const current = await lockVisible(tx, caller, input.schedule_id);
      const params = input.params ?? (current.params as Record<string, unknown>);
      const concurrencyKey =
        input.concurrency_key === undefined ? current.concurrencyKey : input.concurrency_key;
      // Only a change of workflow, params or key is checked again: a schedule whose workflow went away can
      // still be paused, renamed or moved to another time.
      const checked =
        input.workflow === undefined && input.params === undefined && input.concurrency_key === undefined
          ? undefined
          : await checkWorkflow(ctx, input.workflow ?? current.workflow, params, concurrencyKey, tx);
      const workflow = checked?.name ?? current.workflow;
      // Moved to another workflow without a priority: that workflow's default, as on create.
      const movedDefault = checked && checked.name !== current.workflow ? checked.defaultPriority : undefined;
      const row = await updateScheduleRow(tx, current.id, {
        name: input.name ?? current.name,
        cron: cron ?? current.cron,
        timezone: timezone ?? current.timezone,
        workflow,
        params,
        priority: input.priority ?? movedDefault ?? current.priority,
        concurrencyKey,
        enabled: input.enabled ?? current.enabled,
      });
      if (!row) throw notFound(input.schedule_id);
      return toScheduleView(row);
    }),
  );
}

/** Pauses (enabled false: firing passes skip it) or resumes a schedule (from its next occurrence); idempotent. */
export async function setScheduleEnabled(
  ctx: TaskContext,
  caller: Caller,
  scheduleId: string,
  enabled: boolean,
): Promise<ScheduleView> {
  return ctx.db.transaction(async (tx) => {
    const current = await lockVisible(tx, caller, scheduleId);
    const row = await updateScheduleRow(tx, current.id, { enabled });
    if (!row) throw notFound(scheduleId);
    return toScheduleView(row);
  });
}

/** Removes the schedule; tasks it created stay (their schedule_id becomes null). */
export async function deleteSchedule(
  ctx: TaskContext,
  caller: Caller,
  scheduleId: string,
): Promise<DeleteScheduleOutput> {
  return ctx.db.transaction(async (tx) => {
    const current = await lockVisible(tx, caller, scheduleId);
    await deleteScheduleRow(tx, current.id);
    return { schedule_id: scheduleId, deleted: true };
  });
}

export async function getSchedule(executor: Executor, caller: Caller, scheduleId: string) {
  if (!isUuid(scheduleId)) throw notFound(scheduleId);
  const row = await loadSchedule(executor, scheduleId);
  if (!row || !mayAccess(caller, row.owner)) throw notFound(scheduleId);
  return toScheduleView(row);
}

/** The caller's schedules (admin: all), newest first. */
export async function listSchedules(
  executor: Executor,
  caller: Caller,
  raw: ListSchedulesInput,
): Promise<ListSchedulesOutput> {
  const query = ListSchedulesSchema.parse(raw);
  const rows = await listScheduleRows(
    executor,
    {
      owner: listedOwner(caller),
      before: query.cursor ? decodeCursor(query.cursor) : undefined,
    },
    query.limit + 1,
  );
  const { page, next_cursor } = pageOf(rows, query.limit, (item) => ({
    createdAt: item.cursorTime,
    id: item.row.id,
  }));
  return { items: page.map((item) => toScheduleView(item.row)), next_cursor };
}
