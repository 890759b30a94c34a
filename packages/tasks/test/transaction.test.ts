import { connect } from '@kaygraph/db';
import { createTestDatabase } from '@kaygraph/db/testing';
import { expect, it } from 'vitest';
import { runTransaction } from '../src/transaction.ts';

it('a transaction that fails with an error whose cause chain loops is rolled back and throws that error', async () => {
  await using database = await createTestDatabase();
  await using connection = connect(database.url, { max: 1 });
  await connection.sql`create table marks (n int)`;
  // Libraries that wrap an error sometimes hang it on itself; nothing here names a SQLSTATE.
  const looped = new Error('the work failed');
  looped.cause = new Error('wrapped', { cause: looped });

  const failure = runTransaction(connection.db, async (tx) => {
    await tx.execute('insert into marks values (1)');
    throw looped;
  });

  await expect(failure).rejects.toBe(looped);
  expect(await connection.sql`select n from marks`).toEqual([]);
});
