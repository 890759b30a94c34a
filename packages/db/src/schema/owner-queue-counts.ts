import { bigint, index, integer, pgTable, text } from 'drizzle-orm/pg-core';

/**
 * The unfinished tasks (`completed_at is null`) of each owner, in parts: the owner's count is the sum of
 * its rows. Triggers on `tasks` (drizzle/0025_owner_queue_counts.sql) add a row for every insert, delete or
 * completed_at change that changes the count, so every path that writes tasks keeps it exact; writers only
 * insert, so concurrent finishes never wait on one another. The queue limit reads the sum under the owner's
 * lock and folds the rows into one there (packages/tasks/src/store/owner-queue.ts). Truncating tasks empties
 * it, and a task's owner cannot change (drizzle/0026_owner_queue_counts_key.sql).
 */
export const ownerQueueCounts = pgTable(
  'owner_queue_counts',
  {
    /** A key for the fold's deletes where tables are published for logical replication (replica identity). */
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    owner: text('owner').notNull(),
    /** This part of the owner's count (negative for tasks that finished or went). */
    unfinished: integer('unfinished').notNull(),
  },
  (t) => [index('owner_queue_counts_owner_idx').on(t.owner)],
);
