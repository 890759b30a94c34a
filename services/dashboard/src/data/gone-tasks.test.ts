import { describe, expect, it } from 'vitest';
import { taskSummary } from '../lib/test-fixtures.ts';
import { goneTasks } from './gone-tasks.ts';

/** Tasks created a second apart, newest first, as `tasks.list` answers them. */
function listing(count: number) {
  return Array.from({ length: count }, (_, index) =>
    taskSummary({
      status: 'failed',
      created_at: new Date(Date.UTC(2030, 0, 1, 0, 0, count - index)).toISOString(),
    }),
  );
}

/** A server listing `tasks`, `size` a page; `reads` counts its calls. */
function server(tasks: ReturnType<typeof listing>, size: number) {
  const state = { reads: 0 };
  const read = async (cursor: string | undefined) => {
    state.reads += 1;
    const from = Number(cursor ?? 0);
    const items = tasks.slice(from, from + size);
    return { items, next_cursor: from + size < tasks.length ? String(from + size) : null };
  };
  return { read, state };
}

describe('goneTasks (rows of removed tasks)', () => {
  it('names the shown tasks the listing no longer holds, reading only as far as the oldest shown', async () => {
    const all = listing(10);
    const removed = all[1];
    if (!removed) throw new Error('expected tasks');
    const api = server(
      all.filter((task) => task !== removed),
      3,
    );
    await expect(goneTasks(api.read, all.slice(0, 4))).resolves.toEqual(new Set([removed.task_id]));
    // The first page ends at the oldest shown, whose tie could go on: one more page, no further.
    expect(api.state.reads).toBe(2);
  });

  it('judges nothing past what it read: a shown task older than MAX_PAGES pages reach is kept', async () => {
    const all = listing(30);
    const api = server(all.slice(0, 20), 2);
    const old = all[25];
    const newer = taskSummary({ created_at: all[0]?.created_at ?? '' });
    if (!old) throw new Error('expected tasks');
    // `newer` was created among the pages read and is not in them: gone. `old` lies beyond: unknown.
    await expect(goneTasks(api.read, [newer, old])).resolves.toEqual(new Set([newer.task_id]));
    expect(api.state.reads).toBe(5);
  });

  it('reads nothing when nothing is shown', async () => {
    const api = server(listing(3), 2);
    await expect(goneTasks(api.read, [])).resolves.toEqual(new Set());
    expect(api.state.reads).toBe(0);
  });
});
