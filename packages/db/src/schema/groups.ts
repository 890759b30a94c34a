import { index, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';

export const taskGroups = pgTable(
  'task_groups',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    owner: text('owner').notNull(),
    name: text('name').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    cancelledAt: ts('cancelled_at'),
  },
  // A page of groups (an owner's, or everyone's for an admin) in the order the listing asks for.
  (t) => [
    index('task_groups_owner_created_idx').on(t.owner, t.createdAt.desc(), t.id.desc()),
    index('task_groups_created_idx').on(t.createdAt.desc(), t.id.desc()),
  ],
);
