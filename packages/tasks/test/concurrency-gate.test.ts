import { createTestDatabase } from '@kaygraph/db/testing';
import pino from 'pino';
import postgres from 'postgres';
import { expect, it } from 'vitest';
import { capturingLogger } from '../src/testing/index.ts';
import { ConcurrencyGate } from '../src/worker/concurrency-gate.ts';
import { waitFor } from './harness.ts';
import { door } from './tcp-door.ts';

const silent = pino({ level: 'silent' });

it('the concurrency gate takes a new session after its own was cut (a database restart)', async () => {
  await using database = await createTestDatabase();
  const gate = await door(database.url);
  const slots = new ConcurrencyGate(gate.url, silent);
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
  const first = new ConcurrencyGate(database.url, silent);
  const second = new ConcurrencyGate(database.url, silent);
  try {
    expect(await first.acquire('limited', 2, 2)).toEqual([0, 1]);
    expect(await second.acquire('limited', 2, 2)).toEqual([]);
    await first.close();
    expect(await second.acquire('limited', 2, 2)).toEqual([0, 1]);
  } finally {
    await Promise.allSettled([first.close(), second.close()]);
  }
});

it("after a lost connection a gate locks its running tasks' slots again, so another worker cannot pass the limit", async () => {
  await using database = await createTestDatabase();
  const gate = await door(database.url);
  const { logger, lines } = capturingLogger();
  const cut = new ConcurrencyGate(gate.url, logger);
  const other = new ConcurrencyGate(database.url, silent);
  const sql = postgres(database.url, { max: 1 });
  const slotLocks = async () => {
    const [row] = await sql`select count(*)::int as held from pg_locks
      where locktype = 'advisory' and granted and database = (select oid from pg_database where datname = current_database())`;
    return row?.held ?? 0;
  };
  try {
    expect(await cut.acquire('limited', 1, 1)).toEqual([0]);
    await gate.shut();
    expect(await slotLocks()).toBe(0);
    await gate.open();
    // Its task runs on: the gate takes its slot back as soon as the database answers.
    await waitFor(async () => (await slotLocks()) === 1, 'the slot to be locked again');
    expect(await other.acquire('limited', 1, 1)).toEqual([]);
    await cut.release('limited', [0]);
    expect(await other.acquire('limited', 1, 1)).toEqual([0]);
    expect(lines.filter((line) => line.level >= 40)).toEqual([]);
  } finally {
    await Promise.allSettled([cut.close(), other.close(), sql.end()]);
    await gate.close();
  }
});
