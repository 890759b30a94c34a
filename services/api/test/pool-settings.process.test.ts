import { connect } from '@kaygraph/db';
import { createTestDatabase, testServerUrl } from '@kaygraph/db/testing';
import { expect, test } from 'vitest';
import { startApiProcess } from './api-process.ts';
import { postJson, waitForTerminal } from './http-helpers.ts';

const POOLS = { DATABASE_POOL_SIZE: 2, QUEUE_POOL_SIZE: 2, WORKFLOW_POOL_SIZE: 1, MAX_WORKERS: 2 };

test('an api with its worker (npm start) on small pool settings holds no more connections than they allow while it works', async () => {
  await using database = await createTestDatabase();
  const name = new URL(database.url).pathname.slice(1);
  await using admin = connect(testServerUrl(), { max: 1 });
  const env = Object.fromEntries(Object.entries(POOLS).map(([key, value]) => [key, String(value)]));
  // The only process on this database: every session on it is the api's, or its worker's.
  await using api = await startApiProcess(database.url, env, ['--with-worker']);

  const most: Record<string, number> = {};
  const sample = async () => {
    const rows = await admin.sql<{ application_name: string; count: number }[]>`
      select application_name, count(*)::int as count from pg_stat_activity
      where datname = ${name} group by application_name`;
    let total = 0;
    for (const row of rows) {
      most[row.application_name] = Math.max(most[row.application_name] ?? 0, row.count);
      total += row.count;
    }
    most.total = Math.max(most.total ?? 0, total);
  };
  // Many submits at once (each wants a connection of the query pool), and runs that use the workflow services.
  const submits = [
    ...Array.from({ length: 40 }, () => ({ workflow: 'demo', params: { steps: 3, step_ms: 20 } })),
    ...Array.from({ length: 6 }, () => ({ workflow: 'daily_report', params: {} })),
  ];
  let working = true;
  const sampling = (async () => {
    while (working) await sample();
  })();
  const answers = await Promise.all(submits.map((body) => postJson(`${api.url}/tasks`, body)));
  expect(answers.map((answer) => answer.status)).toEqual(submits.map(() => 202));
  const ids = answers.map((answer) => (answer.body as { task_id: string }).task_id);
  const finished = await Promise.all(ids.map((id) => waitForTerminal(api.url, id)));
  working = false;
  await sampling;
  expect(finished).toEqual(ids.map(() => 'completed'));

  // Each pool as set; its LISTEN session comes beside the query pool (deploy/README.md counts the rest).
  expect(most['kaygraph-tasks']).toBeLessThanOrEqual(POOLS.DATABASE_POOL_SIZE + 1);
  expect(most['kaygraph-pgboss']).toBeLessThanOrEqual(POOLS.QUEUE_POOL_SIZE);
  expect(most['kaygraph-workflows']).toBeGreaterThanOrEqual(1);
  expect(most['kaygraph-workflows']).toBeLessThanOrEqual((POOLS.MAX_WORKERS + 1) * POOLS.WORKFLOW_POOL_SIZE);
  // The README's budget of `npm start`: both pools and LISTEN, the api's 6, the worker's beat and slot session.
  const budget =
    POOLS.DATABASE_POOL_SIZE +
    1 +
    POOLS.QUEUE_POOL_SIZE +
    6 +
    2 +
    (POOLS.MAX_WORKERS + 1) * POOLS.WORKFLOW_POOL_SIZE;
  expect(most.total).toBeLessThanOrEqual(budget);
});
