import { connect } from '@kaygraph/db';
import { createTestDatabase, testServerUrl } from '@kaygraph/db/testing';
import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { CoalescedWrites, TransactionBatcher } from '../src/worker/transaction-batcher.ts';
import { waitFor } from './harness.ts';
import { door } from './tcp-door.ts';

async function writesThrough(url: string, signal?: AbortSignal) {
  const connection = connect(url, { max: 2 });
  await connection.db.execute(
    sql`create table if not exists written (item text not null check (item <> 'bad'))`,
  );
  const writer = new TransactionBatcher(connection.db, signal ? { signal } : {});
  const writes = new CoalescedWrites<string>(
    writer,
    async (tx, items) => {
      await tx.execute(sql`insert into written select unnest(${`{${items.join(',')}}`}::text[])`);
    },
    () => ['00000000-0000-0000-0000-000000000001'],
  );
  const written = async () =>
    (await connection.sql<{ item: string }[]>`select item from written order by item`).map((row) => row.item);
  return { writes, written, close: () => connection.close() };
}

it('coalesced writes wait for the database until the writer gives up, and go through again once it is back', async () => {
  await using database = await createTestDatabase();
  const gate = await door(database.url);
  const giveUp = new AbortController();
  const { writes, written, close } = await writesThrough(gate.url, giveUp.signal);
  try {
    await writes.add('before');
    await gate.shut();
    const waiting = Promise.allSettled([writes.add('away-1'), writes.add('away-2')]);
    giveUp.abort();
    // Both fail (no transaction can begin); the next one must not wait forever behind them.
    const failed = await waiting;
    expect(failed.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    const later = await writes.add('away-3').then(
      () => 'stored',
      () => 'failed',
    );
    expect(later).toBe('failed');

    await gate.open();
    await writes.add('after');
    expect(await written()).toEqual(['after', 'before']);
  } finally {
    await close();
    await gate.close();
  }
});

it('a write made while the database restarts waits for it and is stored once', async () => {
  await using database = await createTestDatabase();
  const gate = await door(database.url);
  const { writes, written, close } = await writesThrough(gate.url);
  try {
    await writes.add('before');
    await gate.shut();
    let settled = false;
    const during = Promise.all([writes.add('during-1'), writes.add('during-2')]).finally(() => {
      settled = true;
    });
    // Refused connections are retried: the writes are still waiting when the database comes back.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(settled).toBe(false);
    await gate.open();
    await during;
    expect(await written()).toEqual(['before', 'during-1', 'during-2']);
  } finally {
    await close();
    await gate.close();
  }
});

it('a write made while the database turns sessions away (ALLOW_CONNECTIONS false) waits and is stored once', async () => {
  await using database = await createTestDatabase();
  await using admin = connect(testServerUrl(), { max: 1 });
  const allowConnections = (allow: boolean) =>
    admin.sql.unsafe(`alter database "${database.name}" allow_connections ${allow}`);
  const gate = await door(database.url);
  const { writes, written, close } = await writesThrough(gate.url);
  try {
    await writes.add('before');
    await allowConnections(false);
    await admin.sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${database.name}`;
    const triedBefore = gate.arrivals();
    let outcome: string | undefined;
    const during = writes.add('during').then(
      () => 'stored',
      (error: unknown) => `failed: ${error instanceof Error ? error.message : String(error)}`,
    );
    void during.then((value) => {
      outcome = value;
    });
    // Each refused session (SQLSTATE 55000) is a try; the write keeps trying instead of failing.
    await waitFor(() => outcome ?? gate.arrivals() >= triedBefore + 3, 'the writer to try again and again');
    await allowConnections(true);
    expect(await during).toBe('stored');
    expect(await written()).toEqual(['before', 'during']);
  } finally {
    await allowConnections(true);
    await close();
    await gate.close();
  }
});

it('a coalesced item the database refuses fails alone; the items merged with it are stored', async () => {
  await using database = await createTestDatabase();
  const { writes, written, close } = await writesThrough(database.url);
  try {
    const results = await Promise.allSettled([writes.add('ok-1'), writes.add('bad'), writes.add('ok-2')]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await written()).toEqual(['ok-1', 'ok-2']);
  } finally {
    await close();
  }
});
