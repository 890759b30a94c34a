import { bigint, jsonb, pgTable, primaryKey, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { bytea, ts } from './columns.ts';
import { tasks } from './tasks.ts';

/**
 * Signals sent to a task before it waits for them, at most one per task and name: the wait that asks for
 * `name` takes (deletes) it.
 */
export const taskSignals = pgTable(
  'task_signals',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    taskId: uuid('task_id')
      .notNull()
      .references(() => tasks.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    payload: jsonb('payload'),
    receivedAt: ts('received_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('task_signals_task_name_idx').on(t.taskId, t.name)],
);

/**
 * The idempotency keys of the signals a task took (per task): a repeat of a key answers as the first
 * signal did (`taken`, `status`), and the key with another name or payload (`payload_digest`, sha-256 of
 * the validated payload as jsonb text) is refused. Cleared with the task's result (the cleaner).
 */
export const taskSignalKeys = pgTable(
  'task_signal_keys',
  {
    taskId: uuid('task_id')
      .notNull()
      .references(() => tasks.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    name: text('name').notNull(),
    payloadDigest: bytea('payload_digest').notNull(),
    /** resumed | stored */
    taken: text('taken').notNull(),
    status: text('status').notNull(),
    receivedAt: ts('received_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.taskId, t.key] })],
);
