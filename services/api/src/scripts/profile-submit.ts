/**
 * Where the time of one `POST /tasks` goes (`npm run profile:submit -w services/api [-- postgres://...]`):
 * the statements the submit sends (on the task system's pool), and submits per second for raw pg-boss
 * `send`, `TaskService.submit` in process, and HTTP submits (open server; and with an API key, i.e. auth
 * lookup and rate limit on), 1 and 10 in flight. Runs in a scratch database that it drops afterwards.
 */
import { connect } from '@kaygraph/db';
import { createTaskSystem, resolveWorkflowsModule } from '@kaygraph/tasks';
import pino from 'pino';
import { createApiKey } from '../auth/key-store.ts';
import { createApiOperations } from '../operations.ts';
import { createApiServer } from '../server.ts';

const serverUrl = process.argv[2] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const name = `kg_profile_${process.pid}`;
const { sql: admin, close: closeAdmin } = connect(serverUrl, { max: 1 });
await admin.unsafe(`create database ${name}`);
const databaseUrl = new URL(serverUrl);
databaseUrl.pathname = `/${name}`;
const url = databaseUrl.href;

const logger = pino({ level: 'warn' });
const { catalog } = await resolveWorkflowsModule('@kaygraph/workflows/catalog');
const system = await createTaskSystem({ databaseUrl: url, logger, maxQueueSize: 1_000_000 });
// No worker runs: the built-ins are registered ahead of one, so submits are accepted.
await system.publishWorkflows(catalog);
const operations = createApiOperations({
  databaseUrl: url,
  logger,
  feed: system.events,
  rateLimit: { perMinute: 6_000_000, burst: 1_000_000 },
});
const server = await createApiServer({
  workflows: system.workflows,
  ready: () => system.ready(),
  logger,
  port: 0,
  ...operations.serverOptions(system.tasks, system.orchestration),
});
const keys = connect(url, { max: 1 });

const body = JSON.stringify({ workflow: 'process_item', params: { item: { n: 1 } } });
const post = async (key?: string) => {
  const response = await fetch(`${server.url}/tasks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body,
  });
  if (response.status !== 202) throw new Error(`${response.status} ${await response.text()}`);
  await response.arrayBuffer();
};

async function rate(total: number, parallel: number, one: () => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next++ < total) await one();
    }),
  );
  return Math.round(total / ((performance.now() - started) / 1000));
}

try {
  // The statements of one submit, as the task system's pool sends them.
  // drizzle keeps its postgres.js client as `$client`; its `debug` hook sees every statement sent.
  const client = (system.context.db as unknown as { $client: { options: { debug?: unknown } } }).$client;
  const statements: string[] = [];
  await post();
  client.options.debug = (_connection: number, query: string) =>
    statements.push(query.replace(/\s+/g, ' ').trim().slice(0, 110));
  await post();
  client.options.debug = false;
  console.log(`statements of one POST /tasks on the task pool (${statements.length}):`);
  for (const statement of statements) console.log(`  ${statement}`);

  const caller = { owner: 'direct', admin: false };
  const input = { workflow: 'process_item', params: { item: { n: 1 } } };
  const rows: [string, number, number][] = [];
  const measure = async (label: string, one: () => Promise<unknown>) => {
    await rate(300, 10, one); // warm-up
    rows.push([label, await rate(300, 1, one), await rate(1500, 10, one)]);
  };
  const registered = (await system.workflows.resolve(['process_item'])).get('process_item');
  const queue = { workflow: 'process_item', version: registered?.version ?? null };
  await measure('raw pg-boss send', () => system.context.queue.sendRaw(queue, { n: 1 }));
  await measure('TaskService.submit', () => system.tasks.submit(caller, input));
  await measure('POST /tasks, open', () => post());
  // The first key turns auth on: lookups (cached) and the rate-limit bucket from here on.
  const { key } = await createApiKey(keys.sql, { name: 'profile' });
  operations.auth.mode.invalidate();
  await measure('POST /tasks, API key', () => post(key));
  console.log('\nsubmits per second (second round)     1 in flight   10 in flight');
  for (const [label, serial, ten] of rows)
    console.log(`  ${label.padEnd(36)} ${String(serial).padStart(11)} ${String(ten).padStart(14)}`);
} finally {
  await server.close();
  await operations.close();
  await system.close();
  await keys.close();
  await admin.unsafe(`drop database if exists ${name} with (force)`);
  await closeAdmin();
}
