import { createServer, Socket } from 'node:net';
import { connect } from '@kaygraph/db';
import { createTestDatabase } from '@kaygraph/db/testing';
import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { CoalescedWrites, TransactionBatcher } from '../src/worker/transaction-batcher.ts';

/**
 * A TCP door in front of the test database. Shut, it cuts every connection and stops listening (connections
 * are refused, as when the server is down); open, it listens again on the same port.
 */
async function door(target: string) {
  const upstreamUrl = new URL(target);
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = new Socket();
    upstream.connect(Number(upstreamUrl.port || 5432), upstreamUrl.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  const listen = (port: number) =>
    new Promise<number>((resolve) =>
      server.listen(port, '127.0.0.1', () => {
        const address = server.address();
        resolve(address && typeof address !== 'string' ? address.port : 0);
      }),
    );
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  const port = await listen(0);
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return { url: url.href, shut: stop, open: () => listen(port), close: stop };
}

async function writesThrough(url: string, connectionPatienceMs: number) {
  const connection = connect(url, { max: 2 });
  await connection.db.execute(sql`create table if not exists written (item text not null)`);
  const writer = new TransactionBatcher(connection.db, { connectionPatienceMs });
  const writes = new CoalescedWrites<string>(
    writer,
    async (tx, items) => {
      await tx.execute(sql`insert into written select unnest(${`{${items.join(',')}}`}::text[])`);
    },
    () => '00000000-0000-0000-0000-000000000001',
  );
  const written = async () =>
    (await connection.sql<{ item: string }[]>`select item from written order by item`).map((row) => row.item);
  return { writes, written, close: () => connection.close() };
}

it('coalesced writes fail once the database stays away too long, and go through again once it is back', async () => {
  await using database = await createTestDatabase();
  const gate = await door(database.url);
  const { writes, written, close } = await writesThrough(gate.url, 0);
  try {
    await writes.add('before');
    await gate.shut();
    // Both fail (no transaction can begin); the next one must not wait forever behind them.
    const failed = await Promise.allSettled([writes.add('away-1'), writes.add('away-2')]);
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
  const { writes, written, close } = await writesThrough(gate.url, 60_000);
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
