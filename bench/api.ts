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
 * Its parts: api-processes.ts (the api and worker processes, RSS), api-submit.ts (submit rates),
 * api-streams.ts (progress latency, fan-out).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '@kaygraph/db';
import postgres from 'postgres';
import { startApi, startWorker, stop } from './api-processes.ts';
import {
  fanOut,
  rawSocketLatencies,
  rawSocketSubscriber,
  SUBSCRIBERS,
  trpcLatencies,
  trpcSubscriber,
  warmUp,
} from './api-streams.ts';
import { submitRates } from './api-submit.ts';
import { type BenchRow, percentile } from './scratch-database.ts';

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
    await warmUp(api.url);
    // Both at once, each on its own task: whichever ran first met the worker's first minute (its outliers
    // went to the tRPC figure run first, and to the raw one when the order was swapped).
    const [trpcSamples, rawSamples] = await Promise.all([
      trpcLatencies(api.url),
      rawSocketLatencies(api.url),
    ]);
    const trpc = trpcSamples.sort((a, b) => a - b);
    const raw = rawSamples.sort((a, b) => a - b);
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
