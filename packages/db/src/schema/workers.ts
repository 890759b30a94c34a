import { sql } from 'drizzle-orm';
import { index, integer, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';

/**
 * Worker processes and when each was last heard from: a running task whose worker went silent for the
 * lease (or stopped) is taken back by the liveness monitor. `reaped_at`: the monitor took its tasks back.
 */
export const workers = pgTable(
  'workers',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    host: text('host').notNull(),
    pid: integer('pid').notNull(),
    startedAt: ts('started_at').notNull().defaultNow(),
    lastSeenAt: ts('last_seen_at').notNull().defaultNow(),
    stoppedAt: ts('stopped_at'),
    reapedAt: ts('reaped_at'),
  },
  (t) => [index('workers_unreaped_idx').on(t.lastSeenAt).where(sql`${t.reapedAt} is null`)],
);
