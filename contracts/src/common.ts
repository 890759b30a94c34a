import { z } from 'zod';
import { TASK_STATUSES } from './statuses.ts';

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `value` has the form of a UUID (any letter case): only such a value can name a row by id. */
export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}

/** Where a task id has dashes: a prefix has them in the same places. */
const ID_SHAPE = '________-____-____-____-____________';

/**
 * Whether `value` is the start of a task id as it is written (hex digits, any letter case, with "-" where
 * the id has them): what the lists show (`0b8f5a0e`) or any longer piece, up to the whole id.
 */
export function isTaskIdPrefix(value: string): boolean {
  if (value.length === 0 || value.length > ID_SHAPE.length) return false;
  return [...value].every((char, index) =>
    ID_SHAPE[index] === '-' ? char === '-' : /^[0-9a-f]$/i.test(char),
  );
}

/** A UUID the service assigned, read in any letter case and kept in lower case, as PostgreSQL prints it. */
function idOf(field: string) {
  return z.uuid({ error: `${field} must be a UUID` }).toLowerCase();
}

/** A task id: a UUID assigned by the service on submit. */
export const TaskId = idOf('task_id');
export type TaskId = z.infer<typeof TaskId>;

export const GroupId = idOf('group_id');
export type GroupId = z.infer<typeof GroupId>;

export const ScheduleId = idOf('schedule_id');
export type ScheduleId = z.infer<typeof ScheduleId>;

/**
 * Lifecycle of a task. `pending` exists only inside the submit transaction; `blocked` waits on
 * dependencies, `scheduled` on `run_at`; `queued` is in pg-boss; the last three are terminal.
 */
export const TaskStatus = z.enum(TASK_STATUSES);
export type TaskStatus = z.infer<typeof TaskStatus>;

export const PRIORITIES = ['low', 'normal', 'high'] as const;
export const Priority = z.enum(PRIORITIES);
export type Priority = z.infer<typeof Priority>;

/**
 * Seconds a task's run may take. The queue expires a job after under 24 hours, so no timeout reaches a day.
 * The service's TASK_TIMEOUT obeys the same range.
 */
export const TimeoutSeconds = z.number().int().min(1).max(86_399);
export type TimeoutSeconds = z.infer<typeof TimeoutSeconds>;

/** The timeout of a task whose submit and workflow give none, while TASK_TIMEOUT is unset. */
export const DEFAULT_TASK_TIMEOUT_SECONDS = 3600;

/** pg-boss runs higher numbers first. */
export const PRIORITY_RANK: Record<Priority, number> = { low: 0, normal: 5, high: 10 };

/**
 * ISO-8601 timestamp as sent over the wire. A time without a zone is refused (whose 09:00 would it be?),
 * and the message says so: it is what Python's `datetime.isoformat()` gives for a naive datetime.
 */
export const Timestamp = z.iso.datetime({
  offset: true,
  error:
    'must be an ISO 8601 date-time with a time zone, Z or an offset (2030-01-01T09:00:00Z, 2030-01-01T09:00:00+02:00)',
});
export type Timestamp = z.infer<typeof Timestamp>;

/** A JSON value (params, results). */
export const JsonValue: z.ZodType<unknown> = z.unknown();

/**
 * Whether text is something PostgreSQL cannot store: a NUL character (U+0000), or an unpaired UTF-16
 * surrogate (which JSON can spell as `"\ud800"`, and which PostgreSQL's json input refuses).
 */
export function isUnstorableText(text: string): boolean {
  return text.includes('\u0000') || !text.isWellFormed();
}

/**
 * Whether a JSON value holds what PostgreSQL cannot store as sent: unstorable text (see isUnstorableText)
 * in a string or a key, or a number JSON cannot carry (`1e400` parses as Infinity, which would be stored
 * as null).
 */
export function containsUnstorableJson(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next === 'string') {
      if (isUnstorableText(next)) return true;
    } else if (typeof next === 'number') {
      if (!Number.isFinite(next)) return true;
    } else if (Array.isArray(next)) {
      for (const inner of next) pending.push(inner);
    } else if (next !== null && typeof next === 'object') {
      for (const [key, inner] of Object.entries(next)) {
        if (isUnstorableText(key)) return true;
        pending.push(inner);
      }
    }
  }
  return false;
}

/** The issue of a text or JSON input that holds unstorable text. */
export const UNSTORABLE_TEXT_MESSAGE =
  'must not contain the NUL character (\\u0000) or an unpaired surrogate (\\ud800-\\udfff), which PostgreSQL cannot store';

/** The issue of a JSON input PostgreSQL cannot store as sent (see containsUnstorableJson). */
export const UNSTORABLE_JSON_MESSAGE =
  'must not contain the NUL character (\\u0000), an unpaired surrogate (\\ud800-\\udfff) or a number out of range (such as 1e400), which PostgreSQL cannot store';

/** Input text that PostgreSQL can store: `schema` refined to refuse unstorable text with a clear issue. */
export function storableText<T extends z.ZodType<string>>(schema: T) {
  return schema.refine((text) => !isUnstorableText(text), UNSTORABLE_TEXT_MESSAGE);
}

/** How deeply params may nest: deeper JSON costs every reader (PostgreSQL, JSON.stringify) its stack. */
export const MAX_JSON_DEPTH = 100;

/** Whether a JSON value nests arrays and objects deeper than `max` levels (counted without recursion). */
export function jsonDepthExceeds(value: unknown, max: number): boolean {
  const pending: [unknown, number][] = [[value, 0]];
  while (pending.length > 0) {
    const entry = pending.pop();
    if (!entry) break;
    const [next, depth] = entry;
    if (next === null || typeof next !== 'object') continue;
    if (depth + 1 > max) return true;
    for (const inner of Array.isArray(next) ? next : Object.values(next)) pending.push([inner, depth + 1]);
  }
  return false;
}

/**
 * A JSON value a client sends whole (a signal's payload): refused when nested deeper than MAX_JSON_DEPTH,
 * before anything walks it (a schema check, a copy) and runs out of stack.
 */
export const ClientJson = JsonValue.refine((value) => !jsonDepthExceeds(value, MAX_JSON_DEPTH), {
  error: `must not nest objects and arrays deeper than ${MAX_JSON_DEPTH} levels`,
  abort: true,
});

/** Params as a client sends them (tasks, schedules): a JSON object PostgreSQL can store. */
export const StorableParams = z
  .record(z.string(), JsonValue)
  .refine((params) => !jsonDepthExceeds(params, MAX_JSON_DEPTH), {
    error: `must not nest objects and arrays deeper than ${MAX_JSON_DEPTH} levels`,
    abort: true,
  })
  .refine((params) => !containsUnstorableJson(params), UNSTORABLE_JSON_MESSAGE);
