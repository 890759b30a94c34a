/**
 * The api pages tasks.list forwards only (`next_cursor`). To go back one page, the Tasks page
 * remembers, for each page it paged to, the cursor of the page before (null: the newest). It is kept
 * in sessionStorage, so a reload keeps it; a link opened elsewhere has none and offers the newest page.
 */
const KEY = 'kaygraph.tasks.previous-cursors';

function read(): Record<string, string | null> {
  try {
    const value: unknown = JSON.parse(sessionStorage.getItem(KEY) ?? '{}');
    return typeof value === 'object' && value !== null ? (value as Record<string, string | null>) : {};
  } catch {
    return {};
  }
}

export function rememberPrevious(next: string, current: string | null): void {
  try {
    sessionStorage.setItem(KEY, JSON.stringify({ ...read(), [next]: current }));
  } catch {
    // Storage full or refused: "Newer" falls back to "Newest".
  }
}

/** The cursor of the page before `cursor`'s page; undefined when this tab never paged there. */
export function previousCursor(cursor: string): string | null | undefined {
  return read()[cursor];
}
