import { createTestDatabase } from '@kaygraph/db/testing';
import pino from 'pino';
import postgres from 'postgres';
import { expect, it } from 'vitest';
import { capturingLogger } from '../src/testing/index.ts';
import { ConcurrencyGate } from '../src/worker/concurrency-gate.ts';
import { waitFor } from './harness.ts';
import { door } from './tcp-door.ts';

const silent = pino({ level: 'silent' });

/** Advisory locks of `slot` granted in the test database (only the gates under test take any). */
async function slotLocks(databaseUrl: string, slot: number): Promise<number> {
  const sql = postgres(databaseUrl, { max: 1 });
  try {
    const [row] = await sql`select count(*)::int as held from pg_locks
      where locktype = 'advisory' and granted and objid = ${slot}
        and database = (select oid from pg_database where datname = current_database())`;
    return row?.held ?? 0;
  } finally {
    await sql.end();
  }
}

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
  try {
    expect(await cut.acquire('limited', 1, 1)).toEqual([0]);
    await gate.shut();
    expect(await slotLocks(database.url, 0)).toBe(0);
    await gate.open();
    // Its task runs on: the gate takes its slot back as soon as the database answers.
    await waitFor(async () => (await slotLocks(database.url, 0)) === 1, 'the slot to be locked again');
    expect(await other.acquire('limited', 1, 1)).toEqual([]);
    await cut.release('limited', [0]);
    expect(await other.acquire('limited', 1, 1)).toEqual([0]);
    expect(lines.filter((line) => line.level >= 40)).toEqual([]);
  } finally {
    await Promise.allSettled([cut.close(), other.close()]);
    await gate.close();
  }
});

it('re-locks queued through a longer outage lock a slot once: released, another worker may take it', async () => {
  await using database = await createTestDatabase();
  const gate = await door(database.url);
  const { logger, lines } = capturingLogger('debug');
  const cut = new ConcurrencyGate(gate.url, logger);
  const other = new ConcurrencyGate(database.url, silent);
  const failedRelocks = () =>
    lines.filter((line) => line.msg === 'locking concurrency slots again failed').length;
  try {
    expect(await cut.acquire('limited', 2, 1)).toEqual([0]);
    await gate.shut();
    // Every try to come back fails and queues another re-lock; a fetch waits on the session meanwhile.
    await waitFor(() => failedRelocks() >= 2, 'two re-locks to fail');
    const waiting = cut.acquire('limited', 2, 1).catch(() => 'failed' as const);
    await waitFor(() => failedRelocks() >= 4, 'more re-locks to fail while a fetch waits');
    await gate.open();
    await waiting;
    // Slot 0 is locked again, however many re-locks ran on the new session.
    await waitFor(async () => (await slotLocks(database.url, 0)) > 0, 'slot 0 to be locked again');
    await cut.release('limited', [0]);
    expect(await other.acquire('limited', 1, 1)).toEqual([0]);
  } finally {
    await Promise.allSettled([cut.close(), other.close()]);
    await gate.close();
  }
});
