/**
 * `data_processing` of generated rows split into child tasks with `partitions`, on one api and 1 vs 3
 * worker processes (each runs one task at a time, MAX_WORKERS=1, so processes are the parallelism; the
 * parent holds no slot while its partitions run). Timed from the POST to the parent's `completed` event;
 * the result must count every row. Baseline in the same run: the same rows without partitions (one task)
 * on one worker process.
 */
import { Processes, type ServiceProcess } from '@kaygraph/e2e/processes';
import { startScriptFlags } from './soak.ts';
import { statusCounter } from './status-counter.ts';
import { WAIT_WORKFLOWS_MODULE } from './wait-workflows.ts';

export const PARTITIONS = 3;

export interface PartitionTimes {
  rows: number;
  /** Seconds: no partitions on 1 worker process, `partitions` on 1 and on 3. */
  whole: number;
  oneWorker: number;
  threeWorkers: number;
}

const workerEnv = {
  LOG_LEVEL: 'info',
  MAX_WORKERS: '1',
  WORKFLOWS_MODULE: WAIT_WORKFLOWS_MODULE,
  NODE_OPTIONS: startScriptFlags('start:worker'),
};

/** Seconds from the POST of one data_processing task to its `completed` event. */
async function processRows(
  apiUrl: string,
  databaseUrl: string,
  rows: number,
  partitions: number,
): Promise<number> {
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
    await completed.until(1);
    const seconds = (performance.now() - started) / 1000;
    const result = (await (await fetch(`${apiUrl}/tasks/${task_id}/result`)).json()) as {
      result?: { counts?: { read?: number } };
    };
    const read = result.result?.counts?.read;
    if (read !== rows) throw new Error(`data_processing read ${read} rows of ${rows}`);
    return seconds;
  } finally {
    await completed.close();
  }
}

export async function partitionTimes(databaseUrl: string, rows: number): Promise<PartitionTimes> {
  const processes = new Processes();
  try {
    const api = await processes.startApi({
      databaseUrl,
      env: {
        LOG_LEVEL: 'warn',
        WORKFLOWS_MODULE: WAIT_WORKFLOWS_MODULE,
        NODE_OPTIONS: startScriptFlags('start:api'),
      },
    });
    const workers: ServiceProcess[] = [await processes.startWorker({ databaseUrl, env: workerEnv })];
    const whole = await processRows(api.url, databaseUrl, rows, 1);
    const oneWorker = await processRows(api.url, databaseUrl, rows, PARTITIONS);
    for (let i = workers.length; i < 3; i++)
      workers.push(await processes.startWorker({ databaseUrl, env: workerEnv }));
    const threeWorkers = await processRows(api.url, databaseUrl, rows, PARTITIONS);
    return { rows, whole, oneWorker, threeWorkers };
  } finally {
    await processes.killAll();
  }
}
