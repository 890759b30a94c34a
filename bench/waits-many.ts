/**
 * Many waiting tasks on real processes: one api and one worker process (services/api and services/worker,
 * with the start scripts' node flags) on a scratch database. First the baseline: N `bench_no_wait` tasks
 * (the nodes of `bench_signal_wait` without its wait) POSTed (10 in flight) until all completed; then the
 * idle worker's RSS (median of 5 readings) and free slots. Then N `bench_signal_wait` tasks are POSTed
 * until all wait: the worker's RSS and free slots again (a waiting task holds no slot and no memory of a
 * worker), and the api's RSS. Last, all of them are resumed by `POST /tasks/{id}/signals/go` (10 in
 * flight) until all completed. Free slots: MAX_WORKERS minus the tasks running (one worker runs them all).
 */
import { Processes } from '@kaygraph/e2e/processes';
import postgres from 'postgres';
import { rssMb } from './api-processes.ts';
import { postClient } from './http-post.ts';
import { inFlight } from './in-flight.ts';
import { type StatusCounter, statusCounter } from './status-counter.ts';
import {
  NO_WAIT_WORKFLOW,
  SIGNAL_NAME,
  SIGNAL_WAIT_WORKFLOW,
  WAIT_WORKFLOWS_MODULE,
} from './wait-workflows.ts';

const IN_FLIGHT = 10;
const MAX_WORKERS = 4;
const RSS_SAMPLE_MS = 500;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface ManyWaitingReport {
  tasks: number;
  maxWorkers: number;
  plainRate: number;
  waitingSubmitRate: number;
  resumeRate: number;
  worker: { before: { rss: number; freeSlots: number }; waiting: { rss: number; freeSlots: number } };
  api: { before: number; waiting: number; peak: number };
}

/** POSTs `count` requests made by `request(i)`, 10 in flight; each answer must pass `accept`. Their texts. */
async function postAll(
  apiUrl: string,
  count: number,
  request: (index: number) => { path: string; body: unknown },
  accept: (answer: { status: number; text: string }) => boolean,
): Promise<string[]> {
  const client = postClient(apiUrl, IN_FLIGHT);
  const texts: string[] = [];
  try {
    await inFlight(count, IN_FLIGHT, async (index) => {
      const { path, body } = request(index);
      const response = await client.post(path, body);
      if (!accept(response)) throw new Error(`POST ${path} answered ${response.status}: ${response.text}`);
      texts[index] = response.text;
    });
    return texts;
  } finally {
    client.close();
  }
}

/** The median of 5 RSS readings 500 ms apart, after a second of quiet: one reading is GC timing's. */
async function settledRss(pid: number): Promise<number> {
  const readings: number[] = [];
  await pause(1_000);
  for (let i = 0; i < 5; i++) {
    readings.push(await rssMb(pid));
    await pause(500);
  }
  return readings.sort((a, b) => a - b)[2] ?? Number.NaN;
}

/** Tasks per second from the first request to the `target`-th event the counter hears. */
async function timed(counter: StatusCounter, target: number, send: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await send();
  await counter.until(target);
  return target / ((performance.now() - started) / 1000);
}

export async function manyWaiting(databaseUrl: string, tasks: number): Promise<ManyWaitingReport> {
  const processes = new Processes();
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  const counters: StatusCounter[] = [];
  let sampler: NodeJS.Timeout | undefined;
  try {
    const api = await processes.startApi({
      databaseUrl,
      env: {
        LOG_LEVEL: 'warn',
        WORKFLOWS_MODULE: WAIT_WORKFLOWS_MODULE,
      },
    });
    // The worker logs at info: its start line is how Processes knows it is ready.
    const worker = await processes.startWorker({
      databaseUrl,
      env: {
        LOG_LEVEL: 'info',
        MAX_WORKERS: String(MAX_WORKERS),
        WORKFLOWS_MODULE: WAIT_WORKFLOWS_MODULE,
      },
    });
    let apiPeak = 0;
    sampler = setInterval(() => {
      void rssMb(api.pid).then((mb) => {
        apiPeak = Math.max(apiPeak, mb);
      });
    }, RSS_SAMPLE_MS);
    const freeSlots = async () => {
      const [row] = await sql<{ n: number }[]>`select count(*)::int as n from tasks where status = 'running'`;
      return MAX_WORKERS - (row?.n ?? 0);
    };

    const plainDone = await statusCounter(databaseUrl, NO_WAIT_WORKFLOW, 'completed');
    const waiting = await statusCounter(databaseUrl, SIGNAL_WAIT_WORKFLOW, 'waiting');
    const resumedDone = await statusCounter(databaseUrl, SIGNAL_WAIT_WORKFLOW, 'completed');
    counters.push(plainDone, waiting, resumedDone);

    const plainRate = await timed(plainDone, tasks, () =>
      postAll(
        api.url,
        tasks,
        () => ({ path: '/tasks', body: { workflow: NO_WAIT_WORKFLOW, params: {} } }),
        (answer) => answer.status === 202,
      ),
    );
    const before = { rss: await settledRss(worker.pid), freeSlots: await freeSlots() };
    const apiBefore = await rssMb(api.pid);

    let ids: string[] = [];
    const waitingSubmitRate = await timed(waiting, tasks, async () => {
      const texts = await postAll(
        api.url,
        tasks,
        () => ({ path: '/tasks', body: { workflow: SIGNAL_WAIT_WORKFLOW, params: {} } }),
        (answer) => answer.status === 202,
      );
      ids = texts.map((text) => (JSON.parse(text) as { task_id: string }).task_id);
    });
    const withWaiting = { rss: await settledRss(worker.pid), freeSlots: await freeSlots() };
    const apiWaiting = await rssMb(api.pid);

    const resumeRate = await timed(resumedDone, tasks, () =>
      postAll(
        api.url,
        tasks,
        (i) => ({ path: `/tasks/${ids[i]}/signals/${SIGNAL_NAME}`, body: {} }),
        (answer) => answer.status === 200 && answer.text.includes('"resumed"'),
      ),
    );
    clearInterval(sampler);
    return {
      tasks,
      maxWorkers: MAX_WORKERS,
      plainRate,
      waitingSubmitRate,
      resumeRate,
      worker: { before, waiting: withWaiting },
      api: { before: apiBefore, waiting: apiWaiting, peak: Math.max(apiPeak, apiWaiting) },
    };
  } finally {
    clearInterval(sampler);
    for (const counter of counters) await counter.close();
    await processes.killAll();
    await sql.end({ timeout: 5 });
  }
}
