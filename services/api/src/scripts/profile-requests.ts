/**
 * What one HTTP request costs the api process, counted rather than timed (timings are noise on a shared
 * machine): `node services/api/src/scripts/profile-requests.ts [postgres://server/db] [--cpu-prof DIR]`.
 * Registers the fixture workflows in a scratch database, starts `services/api/src/main.ts` on it the way
 * bench/api.ts does (its own process, NODE_ENV=production, LOG_LEVEL=warn), then for POST /tasks,
 * GET /tasks/{id} and GET /tasks?limit=50, open and with an API key (auth and rate limit on), prints the
 * api's CPU time per request (from /proc/<pid>/stat) and the database transactions per request
 * (pg_stat_database: every autocommit statement is one, so this counts round trips of auth, rate limit
 * and the domain). `--cpu-prof DIR` writes a V8 CPU profile of the api into DIR.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { connect } from '@kaygraph/db';
import { createTaskSystem } from '@kaygraph/tasks';
import pino from 'pino';
import { catalog } from '../../test/fixtures/catalog.ts';
import { createApiKey } from '../auth/key-store.ts';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const serverUrl =
  process.argv.find((arg) => arg.startsWith('postgres')) ?? 'postgres://postgres@127.0.0.1:5432/test';
const profileAt = process.argv.indexOf('--cpu-prof');
const profileDir = profileAt >= 0 ? process.argv[profileAt + 1] : undefined;
const REQUESTS = 1_500;
const IN_FLIGHT = 10;

/** User + system CPU of a process, in ms (clock ticks are 100 per second on Linux). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function startApi(databaseUrl: string): Promise<{ url: string; child: ChildProcess }> {
  const args = [
    ...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []),
    'services/api/src/main.ts',
  ];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: databaseUrl,
      PORT: '0',
      LOG_LEVEL: 'warn',
      MAX_QUEUE_SIZE: '1000000',
      RATE_LIMIT_PER_MINUTE: '60000000',
      RATE_LIMIT_BURST: '1000000',
      NODE_ENV: 'production',
    },
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    // The start banner is on stderr (stdout carries JSON log lines only); passed on as it comes.
    let output = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      output += chunk.toString();
      const match = /API\s+(http:\/\/\S+)/.exec(output);
      if (match?.[1]) resolve({ url: match[1], child });
    });
    child.once('exit', (code) => reject(new Error(`api exited with ${code} before listening`)));
  });
}

async function inFlight(total: number, one: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < total) await one(next++);
    }),
  );
}

const name = `kg_profile_requests_${process.pid}`;
const admin = connect(serverUrl, { max: 1 });
await admin.sql.unsafe(`create database ${name}`);
const databaseUrl = new URL(serverUrl);
databaseUrl.pathname = `/${name}`;
// The api runs no workflow code: the fixture workflows are registered before it serves, as a deploy step does.
const publisher = await createTaskSystem({ databaseUrl: databaseUrl.href, logger: pino({ level: 'warn' }) });
await publisher.publishWorkflows(catalog);
await publisher.close();
const api = await startApi(databaseUrl.href);
const pid = api.child.pid ?? 0;
const db = connect(databaseUrl.href, { max: 1 });

const transactions = async (): Promise<number> => {
  // Backends report their counters when idle, within 10 s (PostgreSQL 15+).
  await new Promise((resolve) => setTimeout(resolve, 11_000));
  await db.sql`select pg_stat_clear_snapshot()`;
  const [row] = await db.sql<{ n: string }[]>`
    select xact_commit + xact_rollback as n from pg_stat_database where datname = ${name}`;
  return Number(row?.n ?? 0);
};

let authorization: Record<string, string> = {};
const ids: string[] = [];
const request = async (method: string, path: string, body?: unknown) => {
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: { ...authorization, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text;
};
const scenarios: [string, (index: number) => Promise<void>][] = [
  [
    'POST /tasks',
    async (index) => {
      const text = await request('POST', '/tasks', {
        workflow: 'echo',
        params: { value: String(index) },
        run_at: '2099-01-01T00:00:00Z',
      });
      ids.push((JSON.parse(text) as { task_id: string }).task_id);
    },
  ],
  ['GET /tasks/{id}', async (index) => void (await request('GET', `/tasks/${ids[index % ids.length]}`))],
  ['GET /tasks?limit=50', async () => void (await request('GET', '/tasks?limit=50'))],
];

const rows: string[] = [];
try {
  for (const mode of ['open', 'API key'] as const) {
    if (mode === 'API key') {
      const { key } = await createApiKey(db.sql, { name: 'profile', owner: 'anonymous' });
      authorization = { authorization: `Bearer ${key}` };
      // The api notices the first key within its auth cache time.
      await new Promise((resolve) => setTimeout(resolve, 2_500));
    }
    for (const [label, one] of scenarios) {
      await inFlight(200, one); // warm-up
      const cpuBefore = cpuMs(pid);
      const xactBefore = await transactions();
      const started = performance.now();
      await inFlight(REQUESTS, one);
      const seconds = (performance.now() - started) / 1000;
      const cpu = cpuMs(pid) - cpuBefore;
      const xacts = (await transactions()) - xactBefore;
      rows.push(
        `| ${label}, ${mode} | ${((cpu * 1000) / REQUESTS).toFixed(0)} | ${(xacts / REQUESTS).toFixed(2)} | ${(REQUESTS / seconds).toFixed(0)} |`,
      );
    }
  }
  process.stdout.write(
    `| ${REQUESTS} requests, ${IN_FLIGHT} in flight | api CPU us/request | db transactions/request | requests/s (noisy) |\n|---|---:|---:|---:|\n${rows.join('\n')}\n`,
  );
} finally {
  await new Promise((resolve) => {
    api.child.once('exit', resolve);
    api.child.kill('SIGTERM');
  });
  await db.close();
  await admin.sql.unsafe(`drop database if exists ${name} with (force)`);
  await admin.close();
}
