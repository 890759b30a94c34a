import { boolean, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';

export const schedules = pgTable(
  'schedules',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    owner: text('owner').notNull(),
    name: text('name').notNull(),
    cron: text('cron').notNull(),
    timezone: text('timezone').notNull().default('UTC'),
    workflow: text('workflow').notNull(),
    params: jsonb('params').notNull().default({}),
    priority: text('priority').notNull().default('normal'),
    /** The per-key concurrency key each occurrence's task is submitted with; null: none. */
    concurrencyKey: text('concurrency_key'),
    enabled: boolean('enabled').notNull().default(true),
    lastRunAt: ts('last_run_at'),
    /** Why its last due occurrence created no task (`ScheduleSkip` in contracts); null once one fires. */
    lastError: jsonb('last_error'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('schedules_owner_name_idx').on(t.owner, t.name)],
);
