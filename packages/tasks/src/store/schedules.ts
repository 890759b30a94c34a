import type { ScheduleSkip } from '@kaygraph/contracts';
import { schedules } from '@kaygraph/db';
import { and, eq, type SQL, sql } from 'drizzle-orm';
import { type Executor, recordsJson, rowsOf, type Transaction, uuidArray } from '../db.ts';

export type ScheduleRow = typeof schedules.$inferSelect;
export type NewSchedule = typeof schedules.$inferInsert;
export type ScheduleChange = Partial<
  Pick<
    ScheduleRow,
    'name' | 'cron' | 'timezone' | 'workflow' | 'params' | 'priority' | 'concurrencyKey' | 'enabled'
  >
>;

/**
 * Takes the owner's schedule lock until the transaction ends: creates of one owner are serialised, so the
 * count under it is exact (MAX_SCHEDULES_PER_OWNER).
 */
export async function lockOwnerSchedules(tx: Transaction, owner: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`kaygraph.schedules:${owner}`}, 0))`);
}

/** The owner's schedules (paused ones too), counted up to `limit`. */
export async function countOwnerSchedules(tx: Transaction, owner: string, limit: number): Promise<number> {
  const [row] = rowsOf<{ n: number }>(
    await tx.execute(sql`
      select count(*)::int as n from (select 1 from schedules where owner = ${owner} limit ${limit}) owned`),
  );
  return row?.n ?? 0;
}

/**
 * What the firing pass needs of a schedule: its cron, and the instant after which its next occurrence is
 * due (`since`: its last firing or skip, or its last change, so a resumed or edited schedule does not
 * catch up).
 */
export interface FiringCandidate {
  id: string;
  owner: string;
  cron: string;
  timezone: string;
  since: Date;
}

const candidateColumns = {
  id: schedules.id,
  owner: schedules.owner,
  cron: schedules.cron,
  timezone: schedules.timezone,
  since: sql<string>`to_json(greatest(${schedules.lastRunAt}, ${schedules.updatedAt},
    (${schedules.lastError} ->> 'skipped_at')::timestamptz)) #>> '{}'`,
};

/** Every enabled schedule, with the database's clock (the firing pass judges occurrences by it). */
export async function readFiringCandidates(
  executor: Executor,
): Promise<{ now: Date; candidates: FiringCandidate[] }> {
  const rows = await executor.select(candidateColumns).from(schedules).where(eq(schedules.enabled, true));
  const [clock] = rowsOf<{ now: string }>(await executor.execute(sql`select to_json(now()) #>> '{}' as now`));
  return {
    now: new Date(clock?.now ?? Date.now()),
    candidates: rows.map((row) => ({ ...row, since: new Date(row.since) })),
  };
}

/**
 * Locks these schedules (id order) when enabled and not locked by another firing pass (which fires them),
 * read again under the lock.
 */
export async function lockFiringSchedules(
  tx: Transaction,
  scheduleIds: readonly string[],
): Promise<(ScheduleRow & { since: Date })[]> {
  if (scheduleIds.length === 0) return [];
  const rows = await tx
    .select()
    .from(schedules)
    .where(and(eq(schedules.enabled, true), sql`${schedules.id} = any(${uuidArray(scheduleIds)})`))
    .orderBy(schedules.id)
    .for('no key update', { skipLocked: true });
  return rows.map((row) => ({
    ...row,
    since: new Date(
      Math.max(row.lastRunAt?.getTime() ?? 0, row.updatedAt.getTime(), skippedAt(row.lastError)),
    ),
  }));
}

/** When the stored skip (`last_error`) was judged, as milliseconds; 0 without one. */
function skippedAt(lastError: unknown): number {
  const at = (lastError as { skipped_at?: unknown } | null)?.skipped_at;
  return typeof at === 'string' ? Date.parse(at) || 0 : 0;
}

/**
 * Records that these schedules' occurrences up to `at` (the firing pass's clock) were handled: the fired
 * ones created their task (`last_run_at`, their last skip cleared), the skipped ones say why (`last_error`).
 */
export async function markSchedulesHandled(
  tx: Transaction,
  handled: { fired: readonly string[]; skipped: readonly { id: string; error: ScheduleSkip }[] },
  at: Date,
): Promise<void> {
  if (handled.fired.length > 0) {
    await tx.execute(sql`
      update schedules set last_run_at = ${at.toISOString()}::timestamptz, last_error = null
      where id = any(${uuidArray(handled.fired)})`);
  }
  if (handled.skipped.length > 0) {
    await tx.execute(sql`
      update schedules s set last_error = x.error
      from jsonb_to_recordset(${recordsJson(handled.skipped)}::jsonb) as x(id uuid, error jsonb)
      where s.id = x.id`);
  }
}

export async function insertSchedule(
  tx: Transaction,
  schedule: NewSchedule,
): Promise<ScheduleRow | undefined> {
  const [row] = await tx.insert(schedules).values(schedule).returning();
  return row;
}

export async function loadSchedule(executor: Executor, scheduleId: string): Promise<ScheduleRow | undefined> {
  const [row] = await executor.select().from(schedules).where(eq(schedules.id, scheduleId));
  return row;
}

export async function lockSchedule(tx: Transaction, scheduleId: string): Promise<ScheduleRow | undefined> {
  const [row] = await tx.select().from(schedules).where(eq(schedules.id, scheduleId)).for('update');
  return row;
}

/**
 * Applies an operator's change. A change of what the occurrences submit (workflow, params, concurrency_key)
 * or of `enabled` clears `last_error`: the skip it explains was judged against what is gone now.
 */
export async function updateScheduleRow(
  tx: Transaction,
  scheduleId: string,
  change: ScheduleChange,
): Promise<ScheduleRow | undefined> {
  const changed: SQL[] = [];
  if (change.workflow !== undefined) changed.push(sql`${schedules.workflow} <> ${change.workflow}`);
  if (change.params !== undefined) {
    changed.push(sql`${schedules.params} <> ${JSON.stringify(change.params)}::jsonb`);
  }
  if (change.concurrencyKey !== undefined) {
    changed.push(sql`${schedules.concurrencyKey} is distinct from ${change.concurrencyKey}::text`);
  }
  if (change.enabled !== undefined) changed.push(sql`${schedules.enabled} <> ${change.enabled}::boolean`);
  const lastError =
    changed.length === 0
      ? {}
      : {
          lastError: sql`case when ${sql.join(changed, sql` or `)} then null else ${schedules.lastError} end`,
        };
  const [row] = await tx
    .update(schedules)
    .set({ ...change, ...lastError, updatedAt: sql`now()` })
    .where(eq(schedules.id, scheduleId))
    .returning();
  return row;
}

export async function deleteScheduleRow(tx: Transaction, scheduleId: string): Promise<void> {
  await tx.delete(schedules).where(eq(schedules.id, scheduleId));
}

/** Schedules newest first by (created_at, id), with each row's cursor time. */
export async function listScheduleRows(
  executor: Executor,
  filter: { owner?: string | undefined; before?: { createdAt: string; id: string } | undefined },
  limit: number,
): Promise<{ row: ScheduleRow; cursorTime: string }[]> {
  const conditions: SQL[] = [sql`true`];
  if (filter.owner) conditions.push(sql`owner = ${filter.owner}`);
  if (filter.before) {
    conditions.push(
      sql`(created_at, id) < (${filter.before.createdAt}::timestamptz, ${filter.before.id}::uuid)`,
    );
  }
  const page = rowsOf<{ id: string; cursor_time: string }>(
    await executor.execute(sql`
      select id, to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_time
      from schedules where ${sql.join(conditions, sql` and `)}
      order by created_at desc, id desc limit ${limit}`),
  );
  if (page.length === 0) return [];
  const full = await executor
    .select()
    .from(schedules)
    .where(sql`${schedules.id} = any(${uuidArray(page.map((row) => row.id))})`);
  const byId = new Map(full.map((row) => [row.id, row]));
  return page.flatMap((item) => {
    const row = byId.get(item.id);
    return row ? [{ row, cursorTime: item.cursor_time }] : [];
  });
}
