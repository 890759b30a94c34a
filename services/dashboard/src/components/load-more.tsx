import type { PagedList } from '../data/paged-list.ts';

/** "Load more" under a paged list, while the server has more. */
export function LoadMore({ list }: { list: Pick<PagedList<unknown>, 'more' | 'loadingMore' | 'loadMore'> }) {
  if (!list.more) return null;
  return (
    <button type="button" class="button" disabled={list.loadingMore} onClick={list.loadMore}>
      {list.loadingMore ? 'Loading…' : 'Load more'}
    </button>
  );
}
