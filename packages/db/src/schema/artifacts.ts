import { integer, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { bytea, ts } from './columns.ts';
import { tasks } from './tasks.ts';

/**
 * Files a task produced (report CSV, model weights); removed with the task's result. `content` is stored
 * uncompressed (STORAGE EXTERNAL, migration 0016; drizzle has no column option for it): a download reads
 * it in slices (`substring`), and a slice of a compressed value costs decompressing all that precedes it.
 */
export const taskArtifacts = pgTable(
  'task_artifacts',
  {
    taskId: uuid('task_id')
      .notNull()
      .references(() => tasks.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    contentType: text('content_type').notNull(),
    size: integer('size').notNull(),
    content: bytea('content').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.taskId, t.name] })],
);
