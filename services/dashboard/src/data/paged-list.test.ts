import { describe, expect, it } from 'vitest';
import type { Optional } from './api.ts';
import { readPages } from './paged-list.ts';
import type { ListPage } from './unseen-page.ts';

/** 1..total in pages of `size`; the cursor is where the next page starts. */
function list(total: number, size: number) {
  const reads: (string | undefined)[] = [];
  const read = async (cursor?: string): Promise<Optional<ListPage<number>>> => {
    reads.push(cursor);
    const from = Number(cursor ?? 1);
    const items = Array.from(
      { length: Math.max(0, Math.min(size, total - from + 1)) },
      (_, index) => from + index,
    );
    const next = from + size <= total ? String(from + size) : null;
    return { state: 'ready', value: { items, next_cursor: next } };
  };
  return { read, reads };
}

describe('readPages', () => {
  it('reads one page, with the cursor of the next', async () => {
    const { read } = list(450, 200);
    const answer = await readPages(read, 0);
    expect(answer.state === 'ready' && [answer.value.items.length, answer.value.next_cursor]).toEqual([
      200,
      '201',
    ]);
  });

  it('reads again as far as was shown, so a reload keeps the loaded rows in view', async () => {
    const { read, reads } = list(450, 200);
    const answer = await readPages(read, 400);
    expect(answer.state === 'ready' && [answer.value.items.length, answer.value.next_cursor]).toEqual([
      400,
      '401',
    ]);
    expect(reads).toEqual([undefined, '201']);
  });

  it('stops at the end of the list', async () => {
    const { read } = list(250, 200);
    const answer = await readPages(read, 1000);
    expect(answer.state === 'ready' && [answer.value.items.length, answer.value.next_cursor]).toEqual([
      250,
      null,
    ]);
  });
});
