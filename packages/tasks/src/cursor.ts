import { DomainError } from '@kaygraph/contracts';

/**
 * List pages are ordered by (created_at, id) descending (tasks in run order: see RunCursor). The cursor is
 * that pair of the last row, as opaque base64url. created_at travels as ISO text with microseconds (a JS
 * Date would truncate to milliseconds and skip or repeat rows created in the same millisecond).
 */
export interface ListCursor {
  createdAt: string;
  id: string;
}

export function encodeCursor(cursor: ListCursor): string {
  return Buffer.from(`${cursor.createdAt}|${cursor.id}`, 'utf8').toString('base64url');
}

const TIME = String.raw`(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z)`;
const ID = '([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})';
const CURSOR = new RegExp(`^${TIME}\\|${ID}$`, 'i');
const RUN_CURSOR = new RegExp(`^run:(\\d)\\|${TIME}\\|${ID}$`, 'i');

/** `field`: the input field that carried the cursor (a group's page of tasks takes `tasks_cursor`). */
function badCursor(field: string): DomainError {
  return new DomainError('BAD_REQUEST', `${field} is not one this service issued`, {
    issues: [{ path: field, message: 'invalid cursor' }],
  });
}

/** A calendar date that exists (Date.parse rolls 02-30 over to March; PostgreSQL refuses it). */
function isRealTime(text: string): boolean {
  const time = new Date(text);
  return !Number.isNaN(time.getTime()) && time.toISOString().slice(0, 19) === text.slice(0, 19);
}

/** The (created_at, id) pair of a cursor this service issued; BAD_REQUEST for anything else. */
export function decodeCursor(value: string, field = 'cursor'): ListCursor {
  const match = CURSOR.exec(Buffer.from(value, 'base64url').toString('utf8'));
  const createdAt = match?.[1];
  const id = match?.[2];
  if (!createdAt || !id || !isRealTime(createdAt)) throw badCursor(field);
  return { createdAt, id };
}

/** Where a page of the run order (`next_to_run`) goes on: after this priority place, runnable time and id. */
export interface RunCursor {
  place: number;
  runnableAt: string;
  id: string;
}

export function encodeRunCursor(cursor: RunCursor): string {
  return Buffer.from(`run:${cursor.place}|${cursor.runnableAt}|${cursor.id}`, 'utf8').toString('base64url');
}

/** A run-order cursor this service issued; BAD_REQUEST for anything else (a `newest` cursor too). */
export function decodeRunCursor(value: string): RunCursor {
  const match = RUN_CURSOR.exec(Buffer.from(value, 'base64url').toString('utf8'));
  const [, place, runnableAt, id] = match ?? [];
  if (!place || !runnableAt || !id || !isRealTime(runnableAt)) throw badCursor('cursor');
  return { place: Number(place), runnableAt, id };
}

/**
 * One page of rows read with `limit + 1` (the extra row says another page follows): the rows to show and
 * the cursor of the next page (its last row's, encoded), or null.
 */
export function pageWith<T>(
  rows: readonly T[],
  limit: number,
  cursorOf: (row: T) => string,
): { page: T[]; next_cursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { page, next_cursor: rows.length > limit && last ? cursorOf(last) : null };
}

/** `pageWith` for lists ordered newest first by (created_at, id). */
export function pageOf<T>(
  rows: readonly T[],
  limit: number,
  cursorOf: (row: T) => ListCursor,
): { page: T[]; next_cursor: string | null } {
  return pageWith(rows, limit, (row) => encodeCursor(cursorOf(row)));
}
