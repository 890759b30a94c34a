/**
 * `data_processing` of generated rows split into child tasks with `partitions`, on one api and 3 vs 1
 * worker processes (each runs one task at a time, MAX_WORKERS=1, so processes are the parallelism; the
 * parent holds no slot while its partitions run). A small partitioned run first starts every worker's
 * thread (threads start on a worker's first task); then 3 workers, then 2 of them are stopped for the runs
 * on 1: with partitions, and the baseline without (one task). Timed from the POST to the parent's
 * `completed` event; the result must count every row.
 */
import { Processes, type ServiceProcess } from '@kaygraph/e2e/processes';
import postgres from 'postgres';
import { statusCounter } from './status-counter.ts';
import { WAIT_WORKFLOWS_MODULE } from './wait-workflows.ts';

export const PARTITIONS = 3;
const WARM_UP_ROWS = 30_000;
/** One event ends a run: allow a slow machine its minutes over millions of rows. */
const RUN_LIMIT_MS = 30 * 60_000;

export interface PartitionTimes {
  rows: number;
  /** Seconds: `partitions` on 3 and on 1 worker processes, no partitions on 1. */
  threeWorkers: number;
  oneWorker: number;
  whole: number;
  /** Worker processes that ran the partitions of the run on 3. */
  spreadOver: number;
}

const workerEnv = {
  LOG_LEVEL: 'info',
  MAX_WORKERS: '1',
  WORKFLOWS_MODULE: WAIT_WORKFLOWS_MODULE,
};

/** Seconds from the POST of one data_processing task to its `completed` event, and the task's id. */
async function processRows(
  apiUrl: string,
  databaseUrl: string,
  rows: number,
  partitions: number,
): Promise<{ seconds: number; taskId: string }> {
  const completed = await statusCounter(databaseUrl, 'data_processing', 'completed');
  try {
    const started = performance.now();
    const response = await fetch(`${apiUrl}/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        workflow: 'data_processing',
        params: { input: { generate: { rows, seed: 1 } }, partitions },
      }),
    });
    if (response.status !== 202)
      throw new Error(`submit answered ${response.status}: ${await response.text()}`);
    const { task_id } = (await response.json()) as { task_id: string };
    await completed.until(1, RUN_LIMIT_MS);
    const seconds = (performance.now() - started) / 1000;
    const answer = (await (await fetch(`${apiUrl}/tasks/${task_id}/result`)).json()) as {
      result?: { counts?: { read?: number } };
    };
    const read = answer.result?.counts?.read;
    if (read !== rows) throw new Error(`data_processing read ${read} rows of ${rows}`);
    return { seconds, taskId: task_id };
  } finally {
    await completed.close();
  }
}

export async function partitionTimes(databaseUrl: string, rows: number): Promise<PartitionTimes> {
  const processes = new Processes();
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const api = await processes.startApi({
      databaseUrl,
      env: {
        LOG_LEVEL: 'warn',
        WORKFLOWS_MODULE: WAIT_WORKFLOWS_MODULE,
      },
    });
    const workers: ServiceProcess[] = [];
    for (let i = 0; i < 3; i++) workers.push(await processes.startWorker({ databaseUrl, env: workerEnv }));
    await processRows(api.url, databaseUrl, WARM_UP_ROWS, PARTITIONS);

    const three = await processRows(api.url, databaseUrl, rows, PARTITIONS);
    const [spread] = await sql<{ n: number }[]>`
      select count(distinct worker_id)::int as n from tasks where parent_task_id = ${three.taskId}`;
    for (const worker of workers.slice(1)) await worker.stop();
    const one = await processRows(api.url, databaseUrl, rows, PARTITIONS);
    const whole = await processRows(api.url, databaseUrl, rows, 1);
    return {
      rows,
      threeWorkers: three.seconds,
      oneWorker: one.seconds,
      whole: whole.seconds,
      spreadOver: spread?.n ?? 0,
    };
  } finally {
    await processes.killAll();
    await sql.end({ timeout: 5 });
  }
}
