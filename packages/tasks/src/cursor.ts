import { DomainError } from '@kaygraph/contracts';

/**
 * List pages are ordered by (created_at, id) descending. The cursor is that pair of the last row, as
 * opaque base64url. created_at travels as ISO text with microseconds (a JS Date would truncate to
 * milliseconds and skip or repeat rows created in the same millisecond); see CURSOR_TIME_SQL.
 */
export interface ListCursor {
  createdAt: string;
  id: string;
}

export function encodeCursor(cursor: ListCursor): string {
  return Buffer.from(`${cursor.createdAt}|${cursor.id}`, 'utf8').toString('base64url');
}

const CURSOR =
  /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z)\|([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/** The (created_at, id) pair of a cursor this service issued; BAD_REQUEST for anything else. */
export function decodeCursor(value: string): ListCursor {
  const match = CURSOR.exec(Buffer.from(value, 'base64url').toString('utf8'));
  const createdAt = match?.[1];
  const id = match?.[2];
  // A calendar date that exists (Date.parse rolls 02-30 over to March; PostgreSQL refuses it).
  const time = createdAt ? new Date(createdAt) : undefined;
  const exists =
    time && !Number.isNaN(time.getTime()) && time.toISOString().slice(0, 19) === createdAt?.slice(0, 19);
  if (!createdAt || !id || !exists) {
    throw new DomainError('BAD_REQUEST', 'cursor is not one this service issued', {
      issues: [{ path: 'cursor', message: 'invalid cursor' }],
    });
  }
  return { createdAt, id };
}

/**
 * One page of rows read with `limit + 1` (the extra row says another page follows): the rows to show and
 * the cursor of the next page, or null.
 */
export function pageOf<T>(
  rows: readonly T[],
  limit: number,
  cursorOf: (row: T) => ListCursor,
): { page: T[]; next_cursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { page, next_cursor: rows.length > limit && last ? encodeCursor(cursorOf(last)) : null };
}
