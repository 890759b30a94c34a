import { index, pgTable, primaryKey, uuid } from 'drizzle-orm/pg-core';
import { tasks } from './tasks.ts';

/** Edges of the dependency graph: `taskId` waits for `dependsOnId`. */
export const taskDependencies = pgTable(
  'task_dependencies',
  {
    taskId: uuid('task_id')
      .notNull()
      .references(() => tasks.id, { onDelete: 'cascade' }),
    dependsOnId: uuid('depends_on_id')
      .notNull()
      .references(() => tasks.id, { onDelete: 'cascade' }),
  },
  (t) => [
    primaryKey({ columns: [t.taskId, t.dependsOnId] }),
    index('task_dependencies_depends_on_idx').on(t.dependsOnId),
  ],
);
