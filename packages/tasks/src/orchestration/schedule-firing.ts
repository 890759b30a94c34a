import { DomainError, type Priority, SCHEDULE_KEY_PREFIX, type SubmitTaskRequest } from '@kaygraph/contracts';
import type { Logger } from 'pino';
import type { TaskContext } from '../context.ts';
import type { Transaction } from '../db.ts';
import { createOutageLog } from '../outage-log.ts';
import { lockQueueRoom } from '../store/owner-queue.ts';
import {
  type FiringCandidate,
  lockFiringSchedules,
  markSchedulesHandled,
  readFiringCandidates,
  type ScheduleRow,
} from '../store/schedules.ts';
import { type ScheduleOccurrence, submitTasks } from '../submit/submit.ts';
import { dueOccurrence } from './cron.ts';
import {
  MISSED,
  MISSED_AFTER_MS,
  queueFull,
  type SkippedOccurrence,
  skippedOccurrence,
} from './schedule-skips.ts';

/** Tasks of one owner submitted per statement group. */
const CHUNK = 250;

export interface FiringReport {
  /** Due occurrences that have their task. */
  fired: number;
  /** Due occurrences that created nothing (queue full, workflow gone, missed while no worker ran): each schedule's `last_error` says why. */
  skipped: number;
}

interface Due<T> {
  schedule: T;
  at: Date;
}

/** The schedules with an occurrence due; one that cannot be evaluated is logged and left out, not the pass. */
function dueOf<T extends Pick<FiringCandidate, 'id' | 'cron' | 'timezone' | 'since'>>(
  schedules: readonly T[],
  now: Date,
  logger: Logger,
): Due<T>[] {
  return schedules.flatMap((schedule) => {
    try {
      const at = dueOccurrence(schedule.cron, schedule.timezone, schedule.since, now);
      return at ? [{ schedule, at }] : [];
    } catch (error) {
      logger.error({ err: error, schedule_id: schedule.id }, 'schedule could not be evaluated');
      return [];
    }
  });
}

/**
 * One firing pass: every enabled schedule whose occurrence came due since it last fired becomes an
 * ordinary task of its owner (with its `schedule_id`). Owners are served fewest-due first, each in one
 * transaction with its tasks inserted in batches (as many as its queue has room for; the rest is skipped),
 * so one owner's thousand schedules cost a few statements and come after everyone else's. Each occurrence's idempotency key (`schedule:<id>:<occurrence>`) and
 * the schedule row lock make it fire once however many workers run passes. `at` replaces the database
 * clock (tests).
 */
export async function fireDueSchedules(
  ctx: TaskContext,
  logger: Logger,
  options: { at?: Date } = {},
): Promise<FiringReport> {
  const read = await readFiringCandidates(ctx.db);
  const now = options.at ?? read.now;
  const byOwner = new Map<string, string[]>();
  for (const { schedule } of dueOf(read.candidates, now, logger)) {
    const ids = byOwner.get(schedule.owner) ?? [];
    ids.push(schedule.id);
    byOwner.set(schedule.owner, ids);
  }
  const owners = [...byOwner].sort(([a, x], [b, y]) => x.length - y.length || a.localeCompare(b));
  const report: FiringReport = { fired: 0, skipped: 0 };
  for (const [owner, ids] of owners) {
    try {
      const outcome = await ctx.db.transaction((tx) => fireOwner(ctx, logger, tx, owner, ids, now));
      report.fired += outcome.fired;
      report.skipped += outcome.skipped;
    } catch (error) {
      // Not marked fired: the next pass tries these occurrences again.
      logger.error({ err: error, owner }, 'firing the schedules of an owner failed');
    }
  }
  return report;
}

async function fireOwner(
  ctx: TaskContext,
  logger: Logger,
  tx: Transaction,
  owner: string,
  scheduleIds: readonly string[],
  now: Date,
): Promise<FiringReport> {
  // Judged again under the lock: a pass that fired them meanwhile moved `since`.
  const due = dueOf(await lockFiringSchedules(tx, scheduleIds), now, logger);
  const skipped: SkippedOccurrence[] = [];
  const skip = (item: Due<ScheduleRow>, refusal: { code: string; message: string }) =>
    skipped.push(skippedOccurrence(item.schedule.id, item.at, now, refusal));
  const onTime = due.filter((item) => now.getTime() - item.at.getTime() <= MISSED_AFTER_MS);
  for (const item of due) if (!onTime.includes(item)) skip(item, MISSED);
  // What fits in the owner's queue fires; the rest is skipped (the submit path checks the room again).
  const room = await lockQueueRoom(tx, owner, ctx.maxQueueSize);
  for (const item of onTime.slice(room)) skip(item, queueFull(ctx.maxQueueSize));
  const fitting = onTime.slice(0, room);
  const fired: string[] = [];
  let queueFullRefusal: DomainError | null = null;
  for (let start = 0; start < fitting.length; start += CHUNK) {
    const chunk = fitting.slice(start, start + CHUNK);
    if (queueFullRefusal) {
      for (const item of chunk) skip(item, queueFullRefusal);
      continue;
    }
    for (const outcome of await submitChunk(ctx, logger, tx, owner, chunk)) {
      if (outcome.refusal === null) fired.push(outcome.item.schedule.id);
      else skip(outcome.item, outcome.refusal);
      if (outcome.refusal?.code === 'QUEUE_FULL') queueFullRefusal = outcome.refusal;
    }
  }
  await markSchedulesHandled(tx, { fired, skipped }, now);
  if (skipped.length > 0) logger.warn({ owner, skipped: skipped.length }, 'schedule occurrences skipped');
  return { fired: fired.length, skipped: skipped.length };
}

function requestOf({ schedule }: Due<ScheduleRow>): SubmitTaskRequest {
  return {
    workflow: schedule.workflow,
    params: (schedule.params ?? {}) as Record<string, unknown>,
    priority: schedule.priority as Priority,
    ...(schedule.concurrencyKey === null ? {} : { concurrency_key: schedule.concurrencyKey }),
  };
}

/** An occurrence fires once: its key, in the prefix clients may not use, names the task it made. */
function occurrenceOf({ schedule, at }: Due<ScheduleRow>): ScheduleOccurrence {
  return {
    scheduleId: schedule.id,
    idempotencyKey: `${SCHEDULE_KEY_PREFIX}${schedule.id}:${at.toISOString()}`,
  };
}

/** An occurrence of a chunk: fired (`refusal` null) or refused by the submit path. */
interface ChunkOutcome {
  item: Due<ScheduleRow>;
  refusal: DomainError | null;
}

/**
 * Submits a chunk in one savepoint; when the submit path refuses it (queue full, a workflow, params or
 * concurrency key the registry no longer accepts), each occurrence alone, so what fits still fires. Past
 * a QUEUE_FULL the rest is refused with it, untried.
 */
async function submitChunk(
  ctx: TaskContext,
  logger: Logger,
  tx: Transaction,
  owner: string,
  chunk: readonly Due<ScheduleRow>[],
): Promise<ChunkOutcome[]> {
  const caller = { owner, admin: false };
  const submit = (items: readonly Due<ScheduleRow>[]) =>
    tx.transaction((savepoint) =>
      submitTasks(ctx, caller, items.map(requestOf), {
        tx: savepoint,
        occurrences: items.map(occurrenceOf),
      }),
    );
  try {
    // A deduplicated output is an occurrence another pass fired: it counts as fired too.
    await submit(chunk);
    return chunk.map((item) => ({ item, refusal: null }));
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
  }
  const outcomes: ChunkOutcome[] = [];
  let queueFullRefusal: DomainError | null = null;
  for (const item of chunk) {
    if (queueFullRefusal) {
      outcomes.push({ item, refusal: queueFullRefusal });
      continue;
    }
    try {
      await submit([item]);
      outcomes.push({ item, refusal: null });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      logger.warn(
        { schedule_id: item.schedule.id, code: error.code, err: error },
        'schedule occurrence skipped',
      );
      outcomes.push({ item, refusal: error });
      if (error.code === 'QUEUE_FULL') queueFullRefusal = error;
    }
  }
  return outcomes;
}

export interface ScheduleFiring {
  stop(): Promise<void>;
}

/**
 * Runs firing passes in this process: just after each minute starts (cron has minute precision) and at
 * least every `checkIntervalSeconds` (a clock behind the database's, a pass that failed). Every worker
 * runs them; an occurrence fires once.
 */
export async function startScheduleFiring(
  ctx: TaskContext,
  logger: Logger,
  options: { checkIntervalSeconds: number },
): Promise<ScheduleFiring> {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const outage = createOutageLog(logger, 'schedule firing pass');
  const plan = () => {
    if (stopped) return;
    const toNextMinute = 60_000 - (Date.now() % 60_000) + 100;
    timer = setTimeout(pass, Math.min(toNextMinute, options.checkIntervalSeconds * 1000));
  };
  const pass = () => {
    running = fireDueSchedules(ctx, logger)
      .then((report) => {
        outage.succeeded();
        logger.debug(report, 'schedule firing pass');
      })
      .catch((error: unknown) => outage.failed(error))
      .finally(() => {
        running = undefined;
        plan();
      });
  };
  pass();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
