import { z } from 'zod';

/** A task id: a UUID assigned by the service on submit. */
export const TaskId = z.uuid({ error: 'task_id must be a UUID' });
export type TaskId = z.infer<typeof TaskId>;

export const TASK_STATUSES = [
  'pending',
  'blocked',
  'scheduled',
  'queued',
  'running',
  'completed',
  'failed',
  'cancelled',
] as const;

/**
 * Lifecycle of a task. `pending` exists only inside the submit transaction; `blocked` waits on
 * dependencies, `scheduled` on `run_at`; `queued` is in pg-boss; the last three are terminal.
 */
export const TaskStatus = z.enum(TASK_STATUSES);
export type TaskStatus = z.infer<typeof TaskStatus>;

export const TERMINAL_STATUSES = [
  'completed',
  'failed',
  'cancelled',
] as const satisfies readonly TaskStatus[];
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];

export function isTerminalStatus(status: TaskStatus): status is TerminalStatus {
  return (TERMINAL_STATUSES as readonly TaskStatus[]).includes(status);
}

export const PRIORITIES = ['low', 'normal', 'high'] as const;
export const Priority = z.enum(PRIORITIES);
export type Priority = z.infer<typeof Priority>;

/** pg-boss runs higher numbers first. */
export const PRIORITY_RANK: Record<Priority, number> = { low: 0, normal: 5, high: 10 };

/** ISO-8601 timestamp as sent over the wire. */
export const Timestamp = z.iso.datetime({ offset: true });
export type Timestamp = z.infer<typeof Timestamp>;

/** A JSON value (params, results). */
export const JsonValue: z.ZodType<unknown> = z.unknown();

/** Whether a JSON value holds a NUL character (U+0000) in a string or a key: PostgreSQL cannot store one. */
export function containsNul(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next === 'string') {
      if (next.includes('\u0000')) return true;
    } else if (Array.isArray(next)) {
      for (const inner of next) pending.push(inner);
    } else if (next !== null && typeof next === 'object') {
      for (const [key, inner] of Object.entries(next)) {
        if (key.includes('\u0000')) return true;
        pending.push(inner);
      }
    }
  }
  return false;
}

/** The issue of a text or JSON input that holds a NUL character. */
export const NO_NUL_MESSAGE = 'must not contain the NUL character (\\u0000), which PostgreSQL cannot store';
