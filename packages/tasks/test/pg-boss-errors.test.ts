import { Writable } from 'node:stream';
import { createTestDatabase } from '@kaygraph/db/testing';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { expect, it } from 'vitest';
import { createTaskSystem } from '../src/system.ts';
import { waitFor } from './harness.ts';

type LogLine = Record<string, unknown> & { msg: string };

it("a lost pg-boss connection is logged with the database's error, not the driver's client object", async () => {
  const lines: LogLine[] = [];
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)) as LogLine);
        done();
      },
    }),
  );
  await using database = await createTestDatabase();
  await using system = await createTaskSystem({ databaseUrl: database.url, logger });

  await system.context.db.execute(sql`
    select pg_terminate_backend(pid) from pg_stat_activity
    where datname = current_database() and application_name = 'kaygraph-pgboss'`);

  const line = await waitFor(() => lines.find((l) => l.msg === 'pg-boss error'), 'a pg-boss error line');
  expect(line.err).toMatchObject({
    type: 'DatabaseError',
    message: 'terminating connection due to administrator command',
    code: '57P01',
  });
  expect(line.err).not.toHaveProperty('client');
  expect(JSON.stringify(line).length).toBeLessThan(4_000);
});
