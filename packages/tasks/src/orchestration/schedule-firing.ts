import { DomainError, type Priority, SCHEDULE_KEY_PREFIX, type SubmitTaskRequest } from '@kaygraph/contracts';
import type { Logger } from 'pino';
import type { TaskContext } from '../context.ts';
import type { Transaction } from '../db.ts';
import { createOutageLog } from '../outage-log.ts';
import { lockQueueRoom } from '../store/owner-queue.ts';
import {
  type FiringCandidate,
  lockFiringSchedules,
  markSchedulesFired,
  readFiringCandidates,
  type ScheduleRow,
} from '../store/schedules.ts';
import { type ScheduleOccurrence, submitTasks } from '../submit/submit.ts';
import { dueOccurrence } from './cron.ts';

/** An occurrence older than this when a pass sees it (no worker was running) is skipped, not fired late. */
const MISSED_AFTER_MS = 5 * 60_000;
/** Tasks of one owner submitted per statement group. */
const CHUNK = 250;

export interface FiringReport {
  /** Due occurrences that have their task. */
  fired: number;
  /** Due occurrences that created nothing (queue full, workflow gone, missed while no worker ran). */
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
  const onTime = due.filter((item) => now.getTime() - item.at.getTime() <= MISSED_AFTER_MS);
  // What fits in the owner's queue fires; the rest is skipped (the submit path checks the room again).
  const fitting = onTime.slice(0, await lockQueueRoom(tx, owner, ctx.maxQueueSize));
  let fired = 0;
  for (let start = 0; start < fitting.length; start += CHUNK) {
    const chunk = fitting.slice(start, start + CHUNK);
    const outcome = await submitChunk(ctx, logger, tx, owner, chunk);
    fired += outcome.fired;
    if (outcome.queueFull) break;
  }
  await markSchedulesFired(
    tx,
    due.map((item) => item.schedule.id),
    now,
  );
  if (due.length > fired) logger.warn({ owner, skipped: due.length - fired }, 'schedule occurrences skipped');
  return { fired, skipped: due.length - fired };
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

/**
 * Submits a chunk in one savepoint; when the submit path refuses it (queue full, a workflow or params the
 * catalog no longer accepts), each occurrence alone, so what fits still fires. Stops at QUEUE_FULL.
 */
async function submitChunk(
  ctx: TaskContext,
  logger: Logger,
  tx: Transaction,
  owner: string,
  chunk: readonly Due<ScheduleRow>[],
): Promise<{ fired: number; queueFull: boolean }> {
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
    return { fired: (await submit(chunk)).length, queueFull: false };
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
  }
  let fired = 0;
  for (const item of chunk) {
    try {
      fired += (await submit([item])).length;
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      logger.warn({ schedule_id: item.schedule.id, code: error.code }, 'schedule occurrence skipped');
      if (error.code === 'QUEUE_FULL') return { fired, queueFull: true };
    }
  }
  return { fired, queueFull: false };
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
