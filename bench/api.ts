/**
 * API benchmarks (`node bench/api.ts [--database-url postgres://...]`):
 * 1. submit rate over HTTP (POST /tasks, 10 in flight) beside raw pg-boss `send` and the in-process
 *    `TaskService.submit` (10 in flight each), in alternating rounds of the same run;
 * 2. progress latency worker -> WebSocket subscriber (tRPC `tasks.events` and raw `/ws/{id}`), p50/p99, from the
 *    event's `at` to its arrival; progress every 150 ms, slower than the worker's 100 ms coalescing, so every
 *    report is written at once and the figure is the pipeline (write, NOTIFY, fan-out, socket), not the batching;
 * 3. 1,000 concurrent WebSocket subscribers of one task (raw `/ws/{id}`, then tRPC `tasks.events` with one
 *    connection each), each receiving every event, with the api's RSS.
 * The api and the worker run as separate processes (`services/api/src/main.ts`, `services/worker/src/main.ts`),
 * so the RSS reported is the api's own.
 * Without --database-url an embedded PostgreSQL is started in a temp dir.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@kaygraph/client';
import type { TaskEvent } from '@kaygraph/contracts';
import { startEmbeddedPostgres } from '@kaygraph/db';
import { createTaskSystem } from '@kaygraph/tasks';
import { PgBoss } from 'pg-boss';
import pino from 'pino';
import postgres from 'postgres';
import { WebSocket } from 'ws';
import { catalog } from '../services/api/test/fixtures/catalog.ts';
import { inheritedEnv } from './env.ts';
import { postClient } from './http-post.ts';

export interface BenchRow {
  name: string;
  value: string;
  goal: string;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SUBMITS = 2_000;
const SUBMIT_ROUNDS = 4;
const IN_FLIGHT = 10;
const SUBSCRIBERS = 1_000;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function inFlight(
  total: number,
  parallel: number,
  one: (index: number) => Promise<void>,
): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < total) await one(next++);
    }),
  );
  return total / ((performance.now() - started) / 1000);
}

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

function benchEnv(databaseUrl: string): NodeJS.ProcessEnv {
  return {
    ...inheritedEnv(),
    DATABASE_URL: databaseUrl,
    PORT: '0',
    LOG_LEVEL: 'warn',
    MAX_WORKERS: '4',
    MAX_QUEUE_SIZE: '1000000',
    WORKFLOWS_MODULE: './services/api/test/fixtures/catalog.ts',
    NODE_ENV: 'production',
  };
}

/**
 * The node arguments of `npm start -w @kaygraph/api` (its V8 flags and entry point), so the api is measured
 * as users start it; the process is spawned directly (not through npm) so its pid is the api's own.
 */
async function apiStartArgs(): Promise<string[]> {
  const manifest = JSON.parse(await readFile(join(ROOT, 'services/api/package.json'), 'utf8')) as {
    scripts: { start: string };
  };
  const [command, ...args] = manifest.scripts.start.split(/\s+/);
  if (command !== 'node') throw new Error(`unexpected api start script: ${manifest.scripts.start}`);
  return args.map((arg) => (arg.startsWith('-') ? arg : join('services/api', arg)));
}

/** Starts the api process (no worker: its RSS is the api's own) and resolves with its URL once it listens. */
async function startApi(databaseUrl: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, await apiStartArgs(), {
    cwd: ROOT,
    env: benchEnv(databaseUrl),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /API\s+(http:\/\/\S+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`api exited with ${code} before listening`)));
  });
  return { url, child };
}

/** The standalone worker process (`npm run start:worker`) beside the api. */
function startWorker(databaseUrl: string): ChildProcess {
  return spawn(process.execPath, ['services/worker/src/main.ts'], {
    cwd: ROOT,
    env: benchEnv(databaseUrl),
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

function stop(child: ChildProcess): Promise<unknown> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(undefined);
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
}

/** One round of HTTP submits (`count` of them, 10 in flight); submits per second. */
async function submitRate(url: string, count: number): Promise<number> {
  const client = postClient(url, IN_FLIGHT);
  const submit = async (index: number) => {
    // run_at in the future: stored and scheduled, so the worker does not compete with the submits.
    const response = await client.post('/tasks', {
      workflow: 'echo',
      params: { value: String(index) },
      run_at: '2099-01-01T00:00:00Z',
    });
    if (response.status !== 202) throw new Error(`submit answered ${response.status}: ${response.text}`);
  };
  try {
    // Its sockets open before the timing, as the raw baseline's pool connections do.
    await inFlight(IN_FLIGHT, IN_FLIGHT, submit);
    return await inFlight(count, IN_FLIGHT, submit);
  } finally {
    client.close();
  }
}

/** The domain's own submit, in process: what the HTTP layer adds is the gap between this and submitRate. */
async function directSubmitRate(databaseUrl: string, count: number): Promise<number> {
  const system = await createTaskSystem({
    databaseUrl,
    catalog,
    logger: pino({ level: 'warn' }),
    maxQueueSize: 1_000_000,
    migrate: false,
  });
  const caller = { owner: 'bench-direct', admin: false };
  const submit = async (index: number) => {
    await system.tasks.submit(caller, {
      workflow: 'echo',
      params: { value: String(index) },
      priority: 'normal',
      run_at: '2099-01-01T00:00:00Z',
    });
  };
  try {
    // Its pool's connections open before the timing, as the api's and the HTTP client's are.
    await inFlight(IN_FLIGHT, IN_FLIGHT, submit);
    return await inFlight(count, IN_FLIGHT, submit);
  } finally {
    await system.close();
  }
}

async function rawSendRate(databaseUrl: string, count: number): Promise<number> {
  const boss = new PgBoss({
    connectionString: databaseUrl,
    max: IN_FLIGHT,
    supervise: false,
    schedule: false,
  });
  boss.on('error', () => {});
  await boss.start();
  await boss.createQueue('bench_raw_send');
  const send = async (index: number) => {
    await boss.send('bench_raw_send', { value: String(index) });
  };
  try {
    await inFlight(IN_FLIGHT, IN_FLIGHT, send);
    return await inFlight(count, IN_FLIGHT, send);
  } finally {
    await boss.stop({ graceful: false });
  }
}

/**
 * HTTP submits, raw sends and in-process submits, SUBMITS each, in alternating rounds (each opened and
 * closed around its own round, outside the timing): on a shared machine the load changes by the
 * second, and the ratio should compare the same moments.
 */
async function submitRates(
  apiUrl: string,
  databaseUrl: string,
): Promise<{ http: number; raw: number; direct: number }> {
  const rounds = {
    http: (count: number) => submitRate(apiUrl, count),
    raw: (count: number) => rawSendRate(databaseUrl, count),
    direct: (count: number) => directSubmitRate(databaseUrl, count),
  };
  const seconds = { http: 0, raw: 0, direct: 0 };
  const perRound = SUBMITS / SUBMIT_ROUNDS;
  for (let round = 0; round < SUBMIT_ROUNDS; round++) {
    for (const name of ['http', 'raw', 'direct'] as const) {
      seconds[name] += perRound / (await rounds[name](perRound));
    }
  }
  return { http: SUBMITS / seconds.http, raw: SUBMITS / seconds.raw, direct: SUBMITS / seconds.direct };
}

async function trpcLatencies(url: string): Promise<number[]> {
  using client = createClient({ url });
  const { task_id } = await client.tasks.submit.mutate({
    workflow: 'steps',
    params: { steps: 40, delay_ms: 150 },
  });
  const latencies: number[] = [];
  for await (const event of client.watch(task_id)) {
    if (event.type === 'progress') latencies.push(Date.now() - Date.parse(event.at));
  }
  return latencies;
}

async function rawSocketLatencies(url: string): Promise<number[]> {
  const submitted = await fetch(`${url}/tasks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ workflow: 'steps', params: { steps: 40, delay_ms: 150 } }),
  });
  const { task_id } = (await submitted.json()) as { task_id: string };
  const latencies: number[] = [];
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/ws/${task_id}`);
  let live = false;
  await new Promise<void>((resolve, reject) => {
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { at?: string; status?: string };
      // Replayed history is not latency: count the updates after the `running` one (which the socket may
      // have been sent from the history, if the task started before it connected).
      if (live && message.at) latencies.push(Date.now() - Date.parse(message.at));
      if (message.status === 'running') live = true;
    });
    socket.on('close', () => resolve());
    socket.on('error', reject);
  });
  return latencies;
}

/** One raw `/ws/{id}` subscriber: the seqs of its updates, then -1 for `done`. */
function rawSocketSubscriber(url: string, taskId: string): Promise<number[]> {
  return new Promise<number[]>((resolve, reject) => {
    const seqs: number[] = [];
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/ws/${taskId}`);
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { seq?: number; done?: boolean };
      if (message.seq !== undefined) seqs.push(message.seq);
      if (message.done) seqs.push(-1);
    });
    socket.on('close', () => resolve(seqs));
    socket.on('error', reject);
  });
}

/** One typed-client subscriber (`tasks.events` over its own tRPC WebSocket): its status/progress seqs, then -1. */
async function trpcSubscriber(url: string, taskId: string): Promise<number[]> {
  using client = createClient({ url });
  const seqs: number[] = [];
  for await (const event of client.watch(taskId)) if (event.type !== 'log') seqs.push(event.seq);
  seqs.push(-1);
  return seqs;
}

async function fanOut(
  url: string,
  apiPid: number,
  subscribe: (url: string, taskId: string) => Promise<number[]>,
): Promise<{ complete: number; rss: number; rssBefore: number; events: number }> {
  const submitted = await fetch(`${url}/tasks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ workflow: 'steps', params: { steps: 40, delay_ms: 50, fail: false } }),
  });
  const { task_id } = (await submitted.json()) as { task_id: string };
  const rssBefore = await rssMb(apiPid);
  let peakRss = rssBefore;
  const sampler = setInterval(() => {
    rssMb(apiPid).then(
      (mb) => {
        peakRss = Math.max(peakRss, mb);
      },
      () => {},
    );
  }, 50);
  const runs = await Promise.all(Array.from({ length: SUBSCRIBERS }, () => subscribe(url, task_id)));
  clearInterval(sampler);
  const expected: TaskEvent[] = [];
  using client = createClient({ url });
  for await (const event of client.watch(task_id)) if (event.type !== 'log') expected.push(event);
  const want = JSON.stringify([...expected.map((event) => event.seq), -1]);
  const complete = runs.filter((seqs) => JSON.stringify(seqs) === want).length;
  return { complete, rss: peakRss, rssBefore, events: expected.length };
}

export async function runApiBench(options: { databaseUrl?: string } = {}): Promise<BenchRow[]> {
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    let serverUrl = options.databaseUrl;
    if (!serverUrl) {
      const dataDir = await mkdtemp(join(tmpdir(), 'kaygraph-bench-api-'));
      const embedded = await startEmbeddedPostgres({ dataDir });
      cleanups.push(
        () => rm(dataDir, { recursive: true, force: true }),
        () => embedded.stop(),
      );
      serverUrl = embedded.url;
    }
    const name = `kg_bench_api_${randomBytes(4).toString('hex')}`;
    const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    cleanups.push(async () => {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    });
    const databaseUrl = new URL(serverUrl);
    databaseUrl.pathname = `/${name}`;

    const api = await startApi(databaseUrl.toString());
    cleanups.push(() => stop(api.child));

    const rates = await submitRates(api.url, databaseUrl.toString());
    const [httpRate, rawRate, directRate] = [rates.http, rates.raw, rates.direct];
    const worker = startWorker(databaseUrl.toString());
    cleanups.push(() => stop(worker));
    const trpc = (await trpcLatencies(api.url)).sort((a, b) => a - b);
    const raw = (await rawSocketLatencies(api.url)).sort((a, b) => a - b);
    const pid = api.child.pid ?? 0;
    const fan = await fanOut(api.url, pid, rawSocketSubscriber);
    const trpcFan = await fanOut(api.url, pid, trpcSubscriber);

    return [
      { name: 'submit over HTTP, 10 in flight (tasks/s)', value: httpRate.toFixed(0), goal: '' },
      { name: 'raw pg-boss send, 10 in flight (jobs/s)', value: rawRate.toFixed(0), goal: '' },
      { name: 'HTTP submit / raw send', value: `${(httpRate / rawRate).toFixed(2)}x`, goal: '>= 0.5x' },
      {
        name: 'TaskService.submit in process, 10 in flight (tasks/s)',
        value: directRate.toFixed(0),
        goal: '',
      },
      {
        name: `progress latency worker -> tRPC WS subscriber, p50 / p99 (ms, n=${trpc.length})`,
        value: `${percentile(trpc, 50)} / ${percentile(trpc, 99)}`,
        goal: '<= 3 / <= 10',
      },
      {
        name: `progress latency worker -> raw WS /ws/{id}, p50 / p99 (ms, n=${raw.length})`,
        value: `${percentile(raw, 50)} / ${percentile(raw, 99)}`,
        goal: '<= 3 / <= 10',
      },
      {
        name: `${SUBSCRIBERS} raw WS /ws/{id} subscribers with every event (${fan.events} events + done)`,
        value: `${fan.complete} / ${SUBSCRIBERS}`,
        goal: `${SUBSCRIBERS} / ${SUBSCRIBERS}`,
      },
      {
        name: 'api process RSS, peak during the raw WS fan-out (MB; before it)',
        value: `${fan.rss.toFixed(0)} (${fan.rssBefore.toFixed(0)})`,
        goal: '< 250',
      },
      {
        name: `${SUBSCRIBERS} tRPC WS subscribers (one connection each) with every event (${trpcFan.events} events)`,
        value: `${trpcFan.complete} / ${SUBSCRIBERS}`,
        goal: `${SUBSCRIBERS} / ${SUBSCRIBERS}`,
      },
      {
        name: 'api process RSS, peak during the tRPC WS fan-out (MB; before it)',
        value: `${trpcFan.rss.toFixed(0)} (${trpcFan.rssBefore.toFixed(0)})`,
        goal: '< 250',
      },
    ];
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}

if (import.meta.main) {
  const flag = process.argv.indexOf('--database-url');
  const databaseUrl = flag >= 0 ? process.argv[flag + 1] : undefined;
  const rows = await runApiBench({ databaseUrl });
  const lines = ['| API benchmark | result | goal |', '|---|---:|---:|'];
  for (const row of rows) lines.push(`| ${row.name} | ${row.value} | ${row.goal} |`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
