import type { PagedList } from '../data/paged-list.ts';

/** "Load more" under a paged list, while the server has more; a failed read says why beside it. */
export function LoadMore({
  list,
}: {
  list: Pick<PagedList<unknown>, 'more' | 'loadingMore' | 'loadMoreError' | 'loadMore'>;
}) {
  if (!list.more) return null;
  return (
    <>
      <button type="button" class="button" disabled={list.loadingMore} onClick={list.loadMore}>
        {list.loadingMore ? 'Loading…' : 'Load more'}
      </button>
      {list.loadMoreError && !list.loadingMore ? (
        <span class="inline-error" role="alert" data-testid="load-more-error">
          Could not load more: {list.loadMoreError}
        </span>
      ) : null}
    </>
  );
}
