import { schedules } from '@kaygraph/db';
import { eq, type SQL, sql } from 'drizzle-orm';
import { type Executor, rowsOf, type Transaction, uuidArray } from '../db.ts';

export type ScheduleRow = typeof schedules.$inferSelect;
export type NewSchedule = typeof schedules.$inferInsert;
export type ScheduleChange = Partial<
  Pick<ScheduleRow, 'name' | 'cron' | 'timezone' | 'workflow' | 'params' | 'priority' | 'enabled'>
>;

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

export async function updateScheduleRow(
  tx: Transaction,
  scheduleId: string,
  change: ScheduleChange,
): Promise<ScheduleRow | undefined> {
  const [row] = await tx
    .update(schedules)
    .set({ ...change, updatedAt: sql`now()` })
    .where(eq(schedules.id, scheduleId))
    .returning();
  return row;
}

export async function deleteScheduleRow(tx: Transaction, scheduleId: string): Promise<void> {
  await tx.delete(schedules).where(eq(schedules.id, scheduleId));
}

export async function markScheduleFired(tx: Transaction, scheduleId: string): Promise<void> {
  await tx.update(schedules).set({ lastRunAt: sql`now()` }).where(eq(schedules.id, scheduleId));
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
