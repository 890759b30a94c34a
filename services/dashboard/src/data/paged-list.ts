import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { Optional } from './api.ts';
import { errorMessage, type Loadable } from './hooks.ts';
import type { ListPage } from './unseen-page.ts';

type ReadPage<T> = (cursor?: string) => Promise<Optional<ListPage<T>>>;

/** Reads pages from the first until at least `atLeast` items (one page at least) or the list's end. */
export async function readPages<T>(read: ReadPage<T>, atLeast: number): Promise<Optional<ListPage<T>>> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (;;) {
    const answer = await read(cursor);
    if (answer.state === 'unavailable') return answer;
    items.push(...answer.value.items);
    const next = answer.value.next_cursor;
    if (next === null || items.length >= atLeast)
      return { state: 'ready', value: { items, next_cursor: next } };
    cursor = next;
  }
}

export interface PagedList<T> {
  result: Loadable<Optional<T[]>>;
  /** The server has more: `loadMore` reads the next page. */
  more: boolean;
  loadingMore: boolean;
  /** Why the last `loadMore` failed (what is shown stays; the next `loadMore` tries again). */
  loadMoreError: string | null;
  loadMore(): void;
  /** Reads the list again, as far as it was shown (after a change, or when the feed says so). */
  reload(): void;
}

/**
 * A list the api pages with a cursor (dead letters, schedules, groups): the first page, then one
 * more per `loadMore`. A reload keeps what was loaded in view rather than falling back to page one.
 */
export function usePagedList<T>(key: string, read: ReadPage<T>): PagedList<T> {
  const [result, setResult] = useState<Loadable<Optional<T[]>>>({ state: 'loading' });
  const [cursor, setCursor] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [loadMoreError, setLoadMoreError] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);
  const shown = useRef(0);
  const latest = useRef(read);
  latest.current = read;

  const show = (answer: Optional<ListPage<T>>, before: T[]) => {
    // A failed "Load more" is behind this read: what it failed to load is either here or still a click away.
    setLoadMoreError(null);
    if (answer.state === 'unavailable') {
      setResult({ state: 'ready', value: answer });
      setCursor(null);
      return;
    }
    const items = [...before, ...answer.value.items];
    shown.current = items.length;
    setResult({ state: 'ready', value: { state: 'ready', value: items } });
    setCursor(answer.value.next_cursor);
  };

  // `read` is re-created every render; `key` names what it reads.
  useEffect(() => {
    let current = true;
    readPages(latest.current, shown.current).then(
      (answer) => current && show(answer, []),
      (error: unknown) => current && setResult({ state: 'error', message: errorMessage(error) }),
    );
    return () => {
      current = false;
    };
  }, [key, generation]);

  const loadMore = () => {
    if (cursor === null || result.state !== 'ready' || result.value.state !== 'ready') return;
    const before = result.value.value;
    setLoadingMore(true);
    setLoadMoreError(null);
    latest
      .current(cursor)
      .then(
        (answer) => show(answer, before),
        (error: unknown) => setLoadMoreError(errorMessage(error)),
      )
      .finally(() => setLoadingMore(false));
  };
  const reload = useCallback(() => setGeneration((value) => value + 1), []);
  return { result, more: cursor !== null, loadingMore, loadMoreError, loadMore, reload };
}
