/**
 * The HTTP layer's own CPU per request, without the database under it:
 * `node services/api/src/scripts/profile-http-layer.ts [postgres://server/db] [--requests N]`.
 * Takes a real submit, task and page from a scratch database, then serves them again from a TaskService
 * that answers from memory, behind the real api (operations: open mode and API key with rate limit),
 * and beside a bare node:http server answering the same JSON. Client and server share this process, so
 * "api - bare" is what the api adds per request (routing, auth, rate limit, logging, tRPC, validation,
 * serialization). This isolates the layer for profiling (`node --cpu-prof ...`); the benchmarks and
 * tests use the real task service.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from '@kaygraph/db';
import { createTaskSystem, type TaskService } from '@kaygraph/tasks';
import pino from 'pino';
import { catalog } from '../../test/fixtures/catalog.ts';
import { createApiKey } from '../auth/key-store.ts';
import { createApiOperations } from '../operations.ts';
import { createApiServer } from '../server.ts';

const serverUrl =
  process.argv.find((arg) => arg.startsWith('postgres')) ?? 'postgres://postgres@127.0.0.1:5432/test';
const requestsAt = process.argv.indexOf('--requests');
const REQUESTS = requestsAt >= 0 ? Number(process.argv[requestsAt + 1]) : 7_000;
const IN_FLIGHT = 10;

const name = `kg_profile_http_${process.pid}`;
const admin = connect(serverUrl, { max: 1 });
await admin.sql.unsafe(`create database ${name}`);
const databaseUrl = new URL(serverUrl);
databaseUrl.pathname = `/${name}`;
const url = databaseUrl.href;
const logger = pino({ level: 'warn' });
const system = await createTaskSystem({ databaseUrl: url, logger, maxQueueSize: 1_000_000 });
await system.publishWorkflows(catalog);
const operations = createApiOperations({
  databaseUrl: url,
  logger,
  rateLimit: { perMinute: 60_000_000, burst: 1_000_000 },
});

const caller = { owner: 'anonymous', admin: true };
const input = { workflow: 'echo', params: { value: 'x' }, run_at: '2099-01-01T00:00:00Z' };
const submitted = await system.tasks.submit(caller, { ...input, priority: 'normal' });
for (let i = 0; i < 60; i++) await system.tasks.submit(caller, { ...input, priority: 'normal' });
const task = await system.tasks.get(caller, submitted.task_id);
const page = await system.tasks.list(caller, { limit: 50 });
const answers = { submit: submitted, get: task, list: page };
const inMemory: TaskService = {
  ...system.tasks,
  submit: async () => answers.submit,
  get: async () => answers.get,
  list: async () => answers.list,
};

const api = await createApiServer({
  workflows: system.workflows,
  ready: () => system.ready(),
  logger,
  port: 0,
  ...operations.serverOptions(inMemory),
});
const bare = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    if (req.method === 'POST') JSON.parse(Buffer.concat(chunks).toString());
    const body =
      req.method === 'POST' ? answers.submit : req.url?.startsWith('/tasks?') ? answers.list : answers.get;
    const text = JSON.stringify(body);
    res.writeHead(req.method === 'POST' ? 202 : 200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
  });
});
await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`;

let authorization: Record<string, string> = {};
const body = JSON.stringify(input);
const scenarios: [string, (base: string) => Promise<Response>][] = [
  [
    'POST /tasks',
    (base) =>
      fetch(`${base}/tasks`, {
        method: 'POST',
        headers: { ...authorization, 'content-type': 'application/json' },
        body,
      }),
  ],
  ['GET /tasks/{id}', (base) => fetch(`${base}/tasks/${submitted.task_id}`, { headers: authorization })],
  ['GET /tasks?limit=50', (base) => fetch(`${base}/tasks?limit=50`, { headers: authorization })],
];

/** CPU microseconds of this process per request, client included. */
async function cpuPerRequest(one: () => Promise<Response>, total: number): Promise<number> {
  let next = 0;
  const run = (count: number) =>
    Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next++ < count) {
          const response = await one();
          if (response.status >= 300) throw new Error(`${response.status} ${await response.text()}`);
          await response.arrayBuffer();
        }
      }),
    );
  await run(100); // warm-up
  next = 0;
  const before = process.cpuUsage();
  await run(total);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / total;
}

const ROUNDS = 7;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const rows: string[] = [];
try {
  for (const mode of ['open', 'API key'] as const) {
    if (mode === 'API key') {
      const keys = connect(url, { max: 1 });
      const { key } = await createApiKey(keys.sql, { name: 'probe', owner: 'anonymous' });
      await keys.close();
      authorization = { authorization: `Bearer ${key}` };
      operations.auth.mode.invalidate();
    }
    for (const [label, one] of scenarios) {
      // Alternating rounds, medians: the machine is shared, single runs swing by half.
      const viaApi: number[] = [];
      const viaBare: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        viaApi.push(await cpuPerRequest(() => one(api.url), Math.ceil(REQUESTS / ROUNDS)));
        viaBare.push(await cpuPerRequest(() => one(bareUrl), Math.ceil(REQUESTS / ROUNDS)));
      }
      const added = viaApi.map((value, index) => value - (viaBare[index] ?? 0));
      rows.push(
        `| ${label}, ${mode} | ${median(viaApi).toFixed(0)} | ${median(viaBare).toFixed(0)} | ${median(added).toFixed(0)} |`,
      );
    }
  }
  process.stdout.write(
    `| ${REQUESTS} requests, ${IN_FLIGHT} in flight, CPU us/request (median of ${ROUNDS} alternating rounds) | api | bare node:http | api - bare |\n|---|---:|---:|---:|\n${rows.join('\n')}\n`,
  );
} finally {
  await api.close();
  await new Promise((resolve) => bare.close(resolve));
  await operations.close();
  await system.close();
  await admin.sql.unsafe(`drop database if exists ${name} with (force)`);
  await admin.close();
}
