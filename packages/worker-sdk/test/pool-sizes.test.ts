import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { connect } from '@kaygraph/db';
import { createTestDatabase, testServerUrl } from '@kaygraph/db/testing';
import { createTaskSystem } from '@kaygraph/tasks';
import pino from 'pino';
import { expect, test } from 'vitest';
import { startWorker } from '../src/index.ts';

const caller = { owner: 'sdk-test', admin: false };
const workflows = new URL('./fixtures/fan-out-workflows.ts', import.meta.url);
const command = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const logger = pino({ level: 'silent' });
const TASKS = 60;

test('kaygraph-worker holds no more connections than DATABASE_POOL_SIZE and QUEUE_POOL_SIZE allow while it works', async () => {
  await using database = await createTestDatabase();
  const name = new URL(database.url).pathname.slice(1);
  await using admin = connect(testServerUrl(), { max: 1 });
  // The workflows registered (by a worker closed then) and the tasks queued (by a system closed then): while
  // the command drains them its sessions are the only ones on the database.
  const ids: string[] = [];
  {
    await (await startWorker({ databaseUrl: database.url, workflows, logger })).close();
    await using system = await createTaskSystem({ databaseUrl: database.url, logger });
    for (let index = 0; index < TASKS; index++) {
      ids.push((await system.tasks.submit(caller, { workflow: 'leaf', params: { index } })).task_id);
    }
  }
  const { DATABASE_URL: _inherited, ...rest } = process.env;
  const child = spawn(process.execPath, [command, fileURLToPath(workflows), '--concurrency', '8'], {
    env: {
      ...rest,
      DATABASE_URL: database.url,
      DATABASE_POOL_SIZE: '1',
      QUEUE_POOL_SIZE: '1',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // How many have completed, asked on a session of its own name (left out of the count).
  await using probe = connect(database.url, { max: 1, applicationName: 'pool-test-probe' });
  const completed = async () =>
    (await probe.sql<[{ n: number }]>`select count(*)::int as n from tasks where status = 'completed'`)[0].n;
  const most: Record<string, number> = {};
  try {
    do {
      const rows = await admin.sql<{ application_name: string; count: number }[]>`
        select application_name, count(*)::int as count from pg_stat_activity
        where datname = ${name} and application_name <> 'pool-test-probe' group by application_name`;
      for (const row of rows)
        most[row.application_name] = Math.max(most[row.application_name] ?? 0, row.count);
    } while ((await completed()) < TASKS);
  } finally {
    child.kill('SIGTERM');
  }
  expect(await exited).toBe(0);
  // One query connection and its LISTEN session; one of pg-boss'.
  expect(most['kaygraph-tasks']).toBeGreaterThanOrEqual(1);
  expect(most['kaygraph-tasks']).toBeLessThanOrEqual(2);
  expect(most['kaygraph-pgboss']).toBe(1);
  await using system = await createTaskSystem({ databaseUrl: database.url, logger });
  const statuses = await Promise.all(ids.map(async (id) => (await system.tasks.get(caller, id)).status));
  expect(statuses).toEqual(ids.map(() => 'completed'));
}, 120_000);
