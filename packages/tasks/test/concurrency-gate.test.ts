import { createTestDatabase } from '@kaygraph/db/testing';
import { expect, it } from 'vitest';
import { ConcurrencyGate } from '../src/worker/concurrency-gate.ts';
import { door } from './tcp-door.ts';

it('the concurrency gate takes a new session after its own was cut (a database restart)', async () => {
  await using database = await createTestDatabase();
  const gate = await door(database.url);
  const slots = new ConcurrencyGate(gate.url);
  try {
    expect(await slots.acquire('limited', 2, 1)).toEqual([0]);
    await gate.shut();
    await gate.open();
    // The first call may find its session gone; the next ones run on a new session. Slot 0 is still
    // counted as held by this process (its task runs on), so the new session takes slot 1.
    const attempts: (number[] | 'failed')[] = [];
    for (let i = 0; i < 3 && !Array.isArray(attempts.at(-1)); i++) {
      attempts.push(await slots.acquire('limited', 2, 1).catch(() => 'failed' as const));
    }
    expect(attempts.at(-1)).toEqual([1]);
    await slots.release('limited', [0]);
    expect(await slots.acquire('limited', 2, 1)).toEqual([0]);
  } finally {
    await slots.close();
    await gate.close();
  }
});

it('slots a stopped gate held are free for another worker at once', async () => {
  await using database = await createTestDatabase();
  const first = new ConcurrencyGate(database.url);
  const second = new ConcurrencyGate(database.url);
  try {
    expect(await first.acquire('limited', 2, 2)).toEqual([0, 1]);
    expect(await second.acquire('limited', 2, 2)).toEqual([]);
    await first.close();
    expect(await second.acquire('limited', 2, 2)).toEqual([0, 1]);
  } finally {
    await Promise.allSettled([first.close(), second.close()]);
  }
});
