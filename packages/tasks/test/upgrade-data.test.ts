import { migrate } from '@kaygraph/db';
import { createTestDatabase, migrationsWithoutLast } from '@kaygraph/db/testing';
import pino from 'pino';
import postgres from 'postgres';
import { expect, it } from 'vitest';
import { createTaskSystem } from '../src/system.ts';
import { alice } from './harness.ts';

/**
 * A finished task as the release before wrote it, in columns every release had: `expiresIn` from now
 * (negative: past its expiry), with its result and events unless the cleaner already took them.
 */
async function insertFinishedTask(
  sql: postgres.Sql,
  expiresIn: string,
  result: { n: number } | null,
): Promise<string> {
  const [row] = await sql<{ id: string }[]>`
    insert into tasks (owner, workflow, params, status, max_retries, timeout_seconds, attempt, progress,
                       result, created_at, updated_at, started_at, completed_at, expires_at, last_seq)
    values ('alice', 'noop', '{}', 'completed', 0, 60, 1, 100, ${result === null ? null : sql.json(result)},
            now() - interval '2 days', now(), now() - interval '2 days', now() - interval '2 days',
            now() + ${expiresIn}::interval, ${result === null ? 0 : 2})
    returning id`;
  if (!row) throw new Error('no task inserted');
  if (result !== null) {
    await sql`insert into task_events (task_id, seq, type, payload)
      values (${row.id}, 1, 'status', '{"status": "running"}'), (${row.id}, 2, 'status', '{"status": "completed"}')`;
  }
  return row.id;
}

it('tasks finished before the last migration keep their results until expiry, then the cleaner clears them once', async () => {
  await using database = await createTestDatabase({ empty: true });
  using previous = migrationsWithoutLast();
  await migrate(database.url, { migrationsFolder: previous.path });
  const sql = postgres(database.url, { max: 2, onnotice: () => {} });
  try {
    const kept = await insertFinishedTask(sql, '1 day', { n: 1 });
    const expired = await insertFinishedTask(sql, '-1 hour', { n: 2 });
    // Cleared by the release before: no result, no events left.
    const clearedBefore = await insertFinishedTask(sql, '-1 day', null);

    await migrate(database.url);
    await using system = await createTaskSystem({
      databaseUrl: database.url,
      logger: pino({ level: 'silent' }),
      migrate: false,
      cleanupIntervalSeconds: 3600,
    });
    expect((await system.tasks.get(alice, kept)).result).toEqual({ n: 1 });
    expect((await system.tasks.get(alice, expired)).result).toEqual({ n: 2 });

    await system.cleanExpired();
    expect((await system.tasks.get(alice, kept)).result).toEqual({ n: 1 });
    const cleared = await system.tasks.get(alice, expired);
    expect(cleared.status).toBe('completed');
    expect(cleared.result).toBeUndefined();
    expect((await system.tasks.get(alice, clearedBefore)).status).toBe('completed');
    const events = await sql<{ task_id: string }[]>`select task_id from task_events`;
    expect(events.map((event) => event.task_id)).toEqual([kept, kept]);
    // A later pass finds nothing left to clear, old rows included.
    expect((await system.cleanExpired()).tasksCleaned).toBe(0);
  } finally {
    await sql.end();
  }
});
