import { integer, jsonb, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';

export const taskEvents = pgTable(
  'task_events',
  {
    /**
     * No foreign key: the event writer (packages/tasks store/events.ts) only numbers events of task rows it
     * has just updated, and task rows are never deleted (the result TTL deletes their events). A key would
     * check every event again.
     */
    taskId: uuid('task_id').notNull(),
    seq: integer('seq').notNull(),
    /** status | progress | log */
    type: text('type').notNull(),
    payload: jsonb('payload').notNull(),
    at: ts('at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.taskId, t.seq] })],
);
