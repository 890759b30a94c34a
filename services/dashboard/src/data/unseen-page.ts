/** One page of a cursor-paged list, as the api's list procedures answer. */
export interface ListPage<T> {
  items: T[];
  next_cursor: string | null;
}

/**
 * The next page holding something not shown yet: reads on from `cursor`, past pages whose every item
 * the page already shows. `cursor` comes back null once the list has ended.
 */
export async function nextUnseenPage<T>(
  read: (cursor: string | undefined) => Promise<ListPage<T>>,
  cursor: string | undefined,
  isShown: (item: T) => boolean,
): Promise<{ items: T[]; cursor: string | null }> {
  let from = cursor;
  for (;;) {
    const page = await read(from);
    const unseen = page.items.filter((item) => !isShown(item));
    if (unseen.length > 0 || page.next_cursor === null) return { items: unseen, cursor: page.next_cursor };
    from = page.next_cursor;
  }
}
