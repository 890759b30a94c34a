/**
 * Durable-wait benchmarks (`node bench/waits.ts [--database-url URL] [--waiting N] [--partition-rows N]
 * [--signal-samples N]`), each in a scratch database of its own:
 * 1. signal -> the node after the wait running, idle worker, in process (waits-signal-latency.ts), beside
 *    submit -> the first node running of the same tasks;
 * 2. N waiting tasks (default 10,000) on real api and worker processes (waits-many.ts): the worker's RSS
 *    and free slots before vs with them, the api's RSS, and resuming them all by signals over HTTP beside
 *    N plain tasks submitted over HTTP and completed;
 * 3. data_processing of generated rows (default 2,000,000) with partitions over 1 vs 3 worker processes
 *    (waits-partitions.ts), beside the same rows without partitions.
 */
import { benchDatabaseUrl } from './env.ts';
import {
  argValue,
  DEFAULT_SERVER_URL,
  type Figure,
  percentile,
  printFigures,
  withScratchDatabase,
} from './scratch-database.ts';
import { manyWaiting } from './waits-many.ts';
import { PARTITIONS, partitionTimes } from './waits-partitions.ts';
import { signalLatencies } from './waits-signal-latency.ts';

export interface WaitsBenchOptions {
  databaseUrl?: string;
  /** Waiting tasks of figure 2 (default 10,000). */
  waiting?: number;
  /** Generated rows of figure 3 (default 2,000,000). */
  partitionRows?: number;
  /** Samples of figure 1 (default 200). */
  signalSamples?: number;
}

const ms = (sorted: number[]) =>
  `${percentile(sorted, 50).toFixed(1)} / ${percentile(sorted, 99).toFixed(1)}`;
const count = (n: number) => n.toLocaleString('en');

async function signalFigures(serverUrl: string, samples: number): Promise<Figure[]> {
  const l = await withScratchDatabase(serverUrl, 'waits_signal', (url) => signalLatencies(url, samples));
  const n = l.signalToNextNode.length;
  return [
    {
      name: `signal -> the node after the wait running: from before tasks.signal() to that node's exec starting (worker and inline workflow in process), idle worker, p50 / p99 (ms, n=${n})`,
      result: ms(l.signalToNextNode),
      baseline: `${ms(l.submitToFirstNode)} (submit -> the first node's exec starting, same tasks)`,
      goal: '<= 10 / <= 30',
      pass: percentile(l.signalToNextNode, 50) <= 10 && percentile(l.signalToNextNode, 99) <= 30,
    },
    {
      name: `signal -> the resumed run's running event on the event feed (its claim committed), p50 / p99 (ms, n=${n})`,
      result: ms(l.signalToRunning),
      baseline: `${ms(l.submitToRunning)} (submit -> the first running event, same tasks)`,
      goal: '',
      pass: undefined,
    },
  ];
}

async function manyWaitingFigures(serverUrl: string, tasks: number): Promise<Figure[]> {
  const r = await withScratchDatabase(serverUrl, 'waits_many', (url) => manyWaiting(url, tasks));
  const { before, waiting } = r.worker;
  const grew = waiting.rss - before.rss;
  return [
    {
      name: `${count(tasks)} waiting tasks: worker process RSS with them vs idle after ${count(tasks)} plain tasks (MB)`,
      result: `${waiting.rss.toFixed(0)} (${grew >= 0 ? '+' : ''}${grew.toFixed(0)})`,
      baseline: `${before.rss.toFixed(0)} (idle, same worker)`,
      goal: 'unchanged (< +10 %)',
      pass: grew < before.rss * 0.1,
    },
    {
      name: `${count(tasks)} waiting tasks: free worker slots with them (MAX_WORKERS minus running tasks)`,
      result: `${waiting.freeSlots} / ${r.maxWorkers}`,
      baseline: `${before.freeSlots} / ${r.maxWorkers} (idle)`,
      goal: `${r.maxWorkers} / ${r.maxWorkers}`,
      pass: waiting.freeSlots === r.maxWorkers,
    },
    {
      name: `${count(tasks)} waiting tasks: api process RSS with them (MB; peak from the first submit to the last resume)`,
      result: `${r.api.waiting.toFixed(0)} (${r.api.peak.toFixed(0)})`,
      baseline: `${r.api.before.toFixed(0)} (idle after ${count(tasks)} plain tasks)`,
      goal: '< 250',
      pass: r.api.peak < 250,
    },
    {
      name: `resume ${count(tasks)} waiting tasks by signals over HTTP (POST /tasks/{id}/signals/go, 10 in flight) until all completed (tasks/s)`,
      result: r.resumeRate.toFixed(0),
      baseline: `${r.plainRate.toFixed(0)} (${count(tasks)} tasks of the same nodes without the wait, POST /tasks 10 in flight until all completed)`,
      goal: '',
      pass: undefined,
    },
    {
      name: `submit ${count(tasks)} waiting tasks over HTTP (10 in flight) until all waiting (tasks/s)`,
      result: r.waitingSubmitRate.toFixed(0),
      baseline: `${r.plainRate.toFixed(0)} (plain tasks until completed)`,
      goal: '',
      pass: undefined,
    },
  ];
}

async function partitionFigures(serverUrl: string, rows: number): Promise<Figure[]> {
  const t = await withScratchDatabase(serverUrl, 'waits_partitions', (url) => partitionTimes(url, rows));
  const s = (seconds: number) => `${seconds.toFixed(1)} s`;
  return [
    {
      name: `data_processing of ${count(rows)} generated rows, partitions ${PARTITIONS}, 3 worker processes (its partitions ran on ${t.spreadOver}) vs 1, MAX_WORKERS=1 each, submit -> completed (speed-up)`,
      result: `${s(t.threeWorkers)} (${(t.oneWorker / t.threeWorkers).toFixed(2)}x)`,
      baseline: `${s(t.oneWorker)} (1 worker process)`,
      goal: '',
      pass: undefined,
    },
    {
      name: `data_processing of ${count(rows)} generated rows without partitions, 1 worker process, submit -> completed`,
      result: s(t.whole),
      baseline: `${s(t.oneWorker)} (partitions ${PARTITIONS}, 1 worker process)`,
      goal: '',
      pass: undefined,
    },
  ];
}

export async function runWaitsBench(options: WaitsBenchOptions = {}): Promise<Figure[]> {
  const serverUrl = options.databaseUrl ?? DEFAULT_SERVER_URL;
  return [
    ...(await signalFigures(serverUrl, options.signalSamples ?? 200)),
    ...(await manyWaitingFigures(serverUrl, options.waiting ?? 10_000)),
    ...(await partitionFigures(serverUrl, options.partitionRows ?? 2_000_000)),
  ];
}

if (import.meta.main) {
  const number = (name: string) => {
    const value = argValue(name);
    return value === undefined ? undefined : Number(value);
  };
  const figures = await runWaitsBench({
    databaseUrl: argValue('database-url') ?? benchDatabaseUrl,
    waiting: number('waiting'),
    partitionRows: number('partition-rows'),
    signalSamples: number('signal-samples'),
  });
  printFigures('Durable-wait benchmark', figures);
}
