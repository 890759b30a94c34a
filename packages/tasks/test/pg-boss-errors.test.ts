import { createTestDatabase } from '@kaygraph/db/testing';
import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { createTaskSystem } from '../src/system.ts';
import { capturingLogger } from '../src/testing/index.ts';
import { waitFor } from './harness.ts';

it("a lost pg-boss connection is logged with the database's error, not the driver's client object", async () => {
  const { logger, lines } = capturingLogger();
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
