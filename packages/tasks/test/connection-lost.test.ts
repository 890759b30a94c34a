import { connect } from '@kaygraph/db';
import { createTestDatabase, testServerUrl } from '@kaygraph/db/testing';
import { expect, it } from 'vitest';
import { connectionLostCode } from '../src/database-errors.ts';

async function errorOf(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error('expected the work to fail');
}

it('a session the database turns away (ALLOW_CONNECTIONS false) is a lost connection; a statement’s 55000 is not', async () => {
  await using database = await createTestDatabase();
  await using admin = connect(testServerUrl(), { max: 1 });
  await using client = connect(database.url, { max: 1 });
  await client.sql`create sequence unused`;
  // "currval of sequence is not yet defined in this session": the same SQLSTATE, raised by a statement.
  const statementError = await errorOf(() => client.sql`select currval('unused')`);
  expect(statementError).toMatchObject({ code: '55000', severity: 'ERROR' });
  expect(connectionLostCode(statementError)).toBeUndefined();

  await admin.sql.unsafe(`alter database "${database.name}" allow_connections false`);
  try {
    await using refused = connect(database.url, { max: 1 });
    const sessionError = await errorOf(() => refused.sql`select 1`);
    expect(sessionError).toMatchObject({ code: '55000', severity: 'FATAL' });
    expect(connectionLostCode(sessionError)).toBe('55000');
  } finally {
    await admin.sql.unsafe(`alter database "${database.name}" allow_connections true`);
  }
});
