/**
 * Task lifecycle benchmarks (`node bench/lifecycle.ts`, DATABASE_URL or --database-url; default
 * postgres://postgres@127.0.0.1:5432/test). Works in a scratch database of its own on that server:
 * 1. end-to-end drain of N no-op tasks submitted through TaskService (submitMany) and run by the worker
 *    runtime (status running, result, events, job completion), inline and in worker threads, beside raw
 *    pg-boss draining N no-op jobs in batches (work() with batchSize and burst) on the same database;
 * 2. submit -> running latency on an idle worker: from before `submit()` to the `running` status event
 *    arriving on the event bus, one task at a time, p50/p99; beside raw pg-boss pickup latency (before
 *    `send()` to the `work()` handler starting, LISTEN/NOTIFY on) on the same database.
 * 3. the floor of a drain (drain-floor.ts): a drain through pg-boss that makes only the writes the spec
 *    requires of each task, with the simplest SQL, at the raw drain's batch settings and in batches of 1,000;
 *    ours is given as a ratio to raw pg-boss and to the floor at the raw drain's settings.
 * Each of three rounds runs the floors (in a scratch database of their own), then raw pg-boss, then ours;
 * the table reports medians: on a shared machine the database's commit latency moves a lot between runs,
 * and the ratio of neighbouring runs is the meaningful figure.
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { TaskEvent } from '@kaygraph/contracts';
import { createTaskSystem } from '@kaygraph/tasks';
import { PgBoss } from 'pg-boss';
import pino from 'pino';
import postgres from 'postgres';
import { type FloorSettings, floorDrain } from './drain-floor.ts';
import { benchDatabaseUrl } from './env.ts';
import { noopTaskSystem, submitNoopTasks } from './noop-tasks.ts';
import { type StatusCounter, statusCounter } from './status-counter.ts';

export interface BenchRow {
  name: string;
  value: string;
  goal: string;
}

const WORKFLOWS_MODULE = fileURLToPath(new URL('./lifecycle-workflows.ts', import.meta.url));
const caller = { owner: 'bench', admin: false };

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function withScratchDatabase<T>(serverUrl: string, run: (url: string) => Promise<T>): Promise<T> {
  const name = `kg_bench_${randomBytes(4).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  try {
    return await run(url.toString());
  } finally {
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.end({ timeout: 5 });
  }
}

/** The raw drain's work() settings, which the floor keeps to be comparable. */
const RAW_SETTINGS: FloorSettings = { writes: 'two-writes', batchSize: 100, loops: 4 };
const LARGE_BATCHES: FloorSettings = { writes: 'two-writes', batchSize: 1000, loops: 2 };

/** Raw pg-boss: insert N jobs, then drain them with batched fetches (the NOTES reference setup). */
async function rawBossDrain(url: string, jobs: number): Promise<number> {
  const boss = new PgBoss({ connectionString: url, max: 10 });
  boss.on('error', () => undefined);
  await boss.start();
  try {
    const queue = 'bench_raw';
    await boss.createQueue(queue);
    for (let i = 0; i < jobs; i += 1000) {
      await boss.insert(
        queue,
        Array.from({ length: Math.min(1000, jobs - i) }, (_, k) => ({ data: { i: i + k } })),
      );
    }
    let done = 0;
    let finish: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const started = performance.now();
    await boss.work(
      queue,
      {
        batchSize: RAW_SETTINGS.batchSize,
        localConcurrency: RAW_SETTINGS.loops,
        burstWhenBatchFull: true,
        pollingIntervalSeconds: 0.5,
      },
      async (batch) => {
        done += batch.length;
        if (done >= jobs) setImmediate(finish);
      },
    );
    await finished;
    const rate = jobs / ((performance.now() - started) / 1000);
    await boss.offWork(queue);
    return rate;
  } finally {
    await boss.stop({ graceful: false, timeout: 1000 });
  }
}

/** Raw pg-boss pickup: send() one job at a time to an idle work() handler with LISTEN/NOTIFY wake-ups. */
async function rawPickupLatency(url: string, samples: number): Promise<number[]> {
  const boss = new PgBoss({ connectionString: url, max: 10, useListenNotify: true });
  boss.on('error', () => undefined);
  await boss.start();
  try {
    const queue = 'bench_raw_pickup';
    await boss.createQueue(queue, { notify: true });
    const started = new Map<string, (at: number) => void>();
    await boss.work<{ n: number }>(queue, { batchSize: 1, pollingIntervalSeconds: 2 }, async ([job]) => {
      const at = performance.now();
      if (job) started.get(String(job.data.n))?.(at);
    });
    const latencies: number[] = [];
    for (let i = 0; i < samples + 20; i++) {
      const picked = new Promise<number>((resolve) => started.set(String(i), resolve));
      const t0 = performance.now();
      await boss.send(queue, { n: i });
      const at = await picked;
      if (i >= 20) latencies.push(at - t0);
      await new Promise((r) => setTimeout(r, 5));
    }
    await boss.offWork(queue);
    return latencies.sort((a, b) => a - b);
  } finally {
    await boss.stop({ graceful: false, timeout: 1000 });
  }
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

/** TaskService + worker: submitMany N tasks with no worker running, then start one and time the drain. */
async function serviceDrain(
  url: string,
  workflow: string,
  tasks: number,
  concurrency: number,
): Promise<number> {
  const system = await noopTaskSystem(url);
  let completions: StatusCounter | undefined;
  try {
    completions = await statusCounter(url, workflow, 'completed');
    await submitNoopTasks(system, workflow, tasks, caller.owner);
    const started = performance.now();
    const worker = await system.startWorker({ concurrency, workflowsModule: WORKFLOWS_MODULE });
    await completions.until(tasks);
    const rate = tasks / ((performance.now() - started) / 1000);
    await worker.stop();
    return rate;
  } finally {
    await completions?.close();
    await system.close();
  }
}

/** submit() -> `running` event on the bus, one task at a time on an idle worker. */
async function pickupLatency(url: string, samples: number): Promise<number[]> {
  const system = await createTaskSystem({ databaseUrl: url, logger: pino({ level: 'warn' }) });
  const controller = new AbortController();
  try {
    await system.startWorker({ concurrency: 4, workflowsModule: WORKFLOWS_MODULE });
    const waiting = new Map<string, (at: number) => void>();
    const early = new Map<string, number>();
    const feed = (async () => {
      for await (const event of system.tasks.feed(caller, { signal: controller.signal, types: ['status'] })) {
        const e = event as TaskEvent;
        if (e.type !== 'status') continue;
        if (e.status === 'running') {
          const now = performance.now();
          const resolve = waiting.get(e.task_id);
          if (resolve) resolve(now);
          else early.set(e.task_id, now);
        }
      }
    })();
    const latencies: number[] = [];
    for (let i = 0; i < samples + 20; i++) {
      const started = performance.now();
      const { task_id } = await system.tasks.submit(caller, {
        workflow: 'bench_noop_inline',
        params: {},
        priority: 'normal',
      });
      const at =
        early.get(task_id) ?? (await new Promise<number>((resolve) => waiting.set(task_id, resolve)));
      waiting.delete(task_id);
      early.delete(task_id);
      // The first 20 warm up the pools and caches.
      if (i >= 20) latencies.push(at - started);
      // Let the task finish so the worker is idle again.
      await new Promise((r) => setTimeout(r, 5));
    }
    controller.abort();
    await feed;
    return latencies.sort((a, b) => a - b);
  } finally {
    controller.abort();
    await system.close();
  }
}

export async function runLifecycleBench(
  options: { databaseUrl?: string; tasks?: number } = {},
): Promise<BenchRow[]> {
  const serverUrl = options.databaseUrl ?? 'postgres://postgres@127.0.0.1:5432/test';
  const tasks = options.tasks ?? 10_000;
  const threadTasks = Math.min(tasks, 2_000);
  return withScratchDatabase(serverUrl, async (url) => {
    const raws: number[] = [];
    const floors: number[] = [];
    const floorRatios: number[] = [];
    const onceRatios: number[] = [];
    const largeRatios: number[] = [];
    const inlines: number[] = [];
    const wides: number[] = [];
    const ratios: number[] = [];
    const wideRatios: number[] = [];
    const ofFloor: number[] = [];
    const wideOfFloor: number[] = [];
    const threads: number[] = [];
    for (let round = 0; round < 3; round++) {
      // The floors first, in a database of their own, so that raw pg-boss runs right before ours and ours
      // meet a table that only ours and raw pg-boss grew.
      const { floor, once, large } = await withScratchDatabase(serverUrl, async (floorUrl) => ({
        floor: await floorDrain(floorUrl, 'bench_noop_inline', tasks, RAW_SETTINGS),
        once: await floorDrain(floorUrl, 'bench_noop_inline', tasks, {
          ...RAW_SETTINGS,
          writes: 'one-write',
        }),
        large: await floorDrain(floorUrl, 'bench_noop_inline', tasks, LARGE_BATCHES),
      }));
      const raw = await rawBossDrain(url, tasks);
      const inline = await serviceDrain(url, 'bench_noop_inline', tasks, 64);
      // A larger window: outcomes of one batch commit while the next batch is fetched and claimed.
      const wide = await serviceDrain(url, 'bench_noop_inline', tasks, 256);
      raws.push(raw);
      floors.push(floor);
      floorRatios.push(floor / raw);
      onceRatios.push(once / raw);
      largeRatios.push(large / raw);
      inlines.push(inline);
      ratios.push(inline / raw);
      ofFloor.push(inline / floor);
      wides.push(wide);
      wideRatios.push(wide / raw);
      wideOfFloor.push(wide / floor);
    }
    threads.push(await serviceDrain(url, 'bench_noop_thread', threadTasks, 8));
    const rawLatency = await rawPickupLatency(url, 200);
    const latency = await pickupLatency(url, 200);
    const fmt = (ms: number) => ms.toFixed(1);
    const raw = median(raws);
    return [
      {
        name: `raw pg-boss batched drain, ${tasks} no-op jobs, median of 3 (jobs/s)`,
        value: raw.toFixed(0),
        goal: '',
      },
      {
        name: `floor: a drain through pg-boss of ${tasks} tasks making only the writes the spec requires (fetch + claim: status running + event + NOTIFY; finish: status completed + event + NOTIFY + job completion), median of 3 (tasks/s; median ratio to raw)`,
        value: `${median(floors).toFixed(0)} (${median(floorRatios).toFixed(2)}x)`,
        goal: '',
      },
      {
        name: 'floor with each task written once (at its finish, with both events), median of 3 (ratio to raw)',
        value: `${median(onceRatios).toFixed(2)}x`,
        goal: '',
      },
      {
        name: `floor in batches of ${LARGE_BATCHES.batchSize}, ${LARGE_BATCHES.loops} loops (the raw drain's work(): 100, 4), median of 3 (ratio to raw)`,
        value: `${median(largeRatios).toFixed(2)}x`,
        goal: '',
      },
      {
        name: `TaskService + worker drain, ${tasks} no-op tasks, inline, concurrency 64, median of 3 (tasks/s; median ratios to the raw run and to the floor run of its round)`,
        value: `${median(inlines).toFixed(0)} (${median(ratios).toFixed(2)}x raw, ${median(ofFloor).toFixed(2)} of the floor)`,
        goal: '>= 0.6x raw',
      },
      {
        name: `TaskService + worker drain, ${tasks} no-op tasks, inline, concurrency 256, median of 3 (tasks/s; median ratios to the raw run and to the floor run of its round)`,
        value: `${median(wides).toFixed(0)} (${median(wideRatios).toFixed(2)}x raw, ${median(wideOfFloor).toFixed(2)} of the floor)`,
        goal: '>= 0.6x raw',
      },
      {
        name: `TaskService + worker drain, ${threadTasks} no-op tasks, worker threads, concurrency 8 (tasks/s)`,
        value: `${(threads[0] ?? 0).toFixed(0)} (${((threads[0] ?? 0) / raw).toFixed(2)}x)`,
        goal: '',
      },
      {
        name: `raw pg-boss send -> work() handler, idle, p50 / p99 (ms, n=${rawLatency.length})`,
        value: `${fmt(percentile(rawLatency, 50))} / ${fmt(percentile(rawLatency, 99))}`,
        goal: '',
      },
      {
        name: `submit -> running event, idle worker, p50 / p99 (ms, n=${latency.length})`,
        value: `${fmt(percentile(latency, 50))} / ${fmt(percentile(latency, 99))}`,
        goal: '<= 5 / <= 15',
      },
    ];
  });
}

if (import.meta.main) {
  const flag = process.argv.indexOf('--database-url');
  const databaseUrl = flag >= 0 ? process.argv[flag + 1] : benchDatabaseUrl;
  const tasksFlag = process.argv.indexOf('--tasks');
  const tasks = tasksFlag >= 0 ? Number(process.argv[tasksFlag + 1]) : undefined;
  const rows = await runLifecycleBench({
    ...(databaseUrl ? { databaseUrl } : {}),
    ...(tasks ? { tasks } : {}),
  });
  const lines = ['| Lifecycle benchmark | result | goal |', '|---|---:|---:|'];
  for (const row of rows) lines.push(`| ${row.name} | ${row.value} | ${row.goal} |`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
