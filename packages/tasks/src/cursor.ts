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

export function decodeCursor(value: string): ListCursor {
  const text = Buffer.from(value, 'base64url').toString('utf8');
  const separator = text.lastIndexOf('|');
  const createdAt = text.slice(0, separator);
  const id = text.slice(separator + 1);
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  if (separator <= 0 || !uuid.test(id) || Number.isNaN(Date.parse(createdAt))) {
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
