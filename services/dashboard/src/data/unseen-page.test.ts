import { describe, expect, it } from 'vitest';
import { type ListPage, nextUnseenPage } from './unseen-page.ts';

/** 1..total, newest (highest) first, `size` per page; the cursor is the last number read. */
function list(total: number, size: number) {
  const reads: (string | undefined)[] = [];
  const read = async (cursor: string | undefined): Promise<ListPage<number>> => {
    reads.push(cursor);
    const below = cursor === undefined ? total + 1 : Number(cursor);
    const items = Array.from({ length: Math.min(size, below - 1) }, (_, index) => below - 1 - index);
    const last = items.at(-1);
    return { items, next_cursor: last !== undefined && last > 1 ? String(last) : null };
  };
  return { read, reads };
}

describe('nextUnseenPage', () => {
  it('reads past pages the page already shows, to the first with something new', async () => {
    const { read, reads } = list(120, 25);
    // The page shows 120..21 (the newest hundred): the next read must bring 20..1, not those again.
    const page = await nextUnseenPage(read, undefined, (n) => n > 20);
    expect(page.items).toEqual(Array.from({ length: 20 }, (_, index) => 20 - index));
    expect(page.cursor).toBeNull();
    expect(reads).toEqual([undefined, '96', '71', '46', '21']);
  });

  it('hands back the cursor to read on from when the list goes on', async () => {
    const { read } = list(100, 10);
    await expect(nextUnseenPage(read, '51', () => false)).resolves.toEqual({
      items: [50, 49, 48, 47, 46, 45, 44, 43, 42, 41],
      cursor: '41',
    });
  });

  it('ends with nothing when every item is shown', async () => {
    const { read } = list(30, 10);
    await expect(nextUnseenPage(read, undefined, () => true)).resolves.toEqual({ items: [], cursor: null });
  });
});
