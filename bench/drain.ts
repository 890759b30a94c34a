/**
 * The no-op drain rounds of the lifecycle benchmark (`node bench/drain.ts [--tasks N] [--rounds N]` runs them
 * alone). Each round drains N no-op tasks or jobs in turn:
 * - the floors (drain-floor.ts): at raw pg-boss' work() settings (100 x 4), written once and in batches of
 *   1,000 (in that order, in one database), and at the same in-flight window as ours at concurrency 64 and 256;
 * - raw pg-boss draining N jobs with work() (batchSize 100, localConcurrency 4);
 * - ours: TaskService (submitMany) and the worker runtime at concurrency 64 and 256.
 * Every drain but the second and third floor starts on a fresh scratch database. Each ratio is taken within
 * its round (on a shared machine the database's commit latency moves a lot between runs); the medians over
 * the rounds are reported.
 */
import { fileURLToPath } from 'node:url';
import { PgBoss } from 'pg-boss';
import { type FloorSettings, floorDrain, sameWindowFloor } from './drain-floor.ts';
import { benchDatabaseUrl } from './env.ts';
import { noopTaskSystem, submitNoopTasks } from './noop-tasks.ts';
import { argValue, DEFAULT_SERVER_URL, withScratchDatabase } from './scratch-database.ts';
import { type StatusCounter, statusCounter } from './status-counter.ts';

const WORKFLOWS_MODULE = fileURLToPath(new URL('./lifecycle-workflows.ts', import.meta.url));
const OWNER = 'bench';

/** The raw drain's work() settings, which the floor keeps to be comparable. */
export const RAW_SETTINGS: FloorSettings = { writes: 'two-writes', batchSize: 100, loops: 4 };
export const LARGE_BATCHES: FloorSettings = { writes: 'two-writes', batchSize: 1000, loops: 2 };
/** Our worker's concurrencies in the drain. */
export const NARROW = 64;
export const WIDE = 256;

export const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

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

/** TaskService + worker: submitMany N tasks with no worker running, then start one and time the drain. */
export async function serviceDrain(
  url: string,
  workflow: string,
  tasks: number,
  concurrency: number,
): Promise<number> {
  const system = await noopTaskSystem(url);
  let completions: StatusCounter | undefined;
  try {
    completions = await statusCounter(url, workflow, 'completed');
    await submitNoopTasks(system, workflow, tasks, OWNER);
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

/** Ours at one concurrency, as ratios within each round (medians over the rounds). */
export interface OursFigures {
  rate: number;
  ofRaw: number;
  /** Of the floor at raw pg-boss' settings (100 x 4). */
  ofFloor: number;
  /** Of the floor at ours' own in-flight window (sameWindowFloor). */
  ofSameWindow: number;
}

export interface DrainFigures {
  raw: number;
  floor: number;
  floorOfRaw: number;
  onceOfRaw: number;
  largeOfRaw: number;
  narrowWindowOfRaw: number;
  wideWindowOfRaw: number;
  narrow: OursFigures;
  wide: OursFigures;
}

/** Runs `rounds` drain rounds of `tasks` tasks each, in scratch databases of `serverUrl`'s (see above). */
export async function runDrainRounds(
  serverUrl: string,
  tasks: number,
  rounds: number,
): Promise<DrainFigures> {
  const workflow = 'bench_noop_inline';
  // A drain on a table that earlier drains grew would be slowed down: ours, raw pg-boss and the window
  // floors each get a fresh database (the one-write and large-batch floors follow the first floor in its
  // database).
  const fresh = (label: string, drain: (url: string) => Promise<number>) =>
    withScratchDatabase(serverUrl, label, drain);
  const rows: {
    raw: number;
    floor: number;
    once: number;
    large: number;
    narrowWindow: number;
    wideWindow: number;
    narrow: number;
    wide: number;
  }[] = [];
  for (let round = 0; round < rounds; round++) {
    const floors = await withScratchDatabase(serverUrl, 'floor', async (floorUrl) => ({
      floor: await floorDrain(floorUrl, workflow, tasks, RAW_SETTINGS),
      once: await floorDrain(floorUrl, workflow, tasks, { ...RAW_SETTINGS, writes: 'one-write' }),
      large: await floorDrain(floorUrl, workflow, tasks, LARGE_BATCHES),
    }));
    const windowFloor = (concurrency: number) =>
      fresh('floor', (url) => floorDrain(url, workflow, tasks, sameWindowFloor(concurrency)));
    const narrowWindow = await windowFloor(NARROW);
    const wideWindow = await windowFloor(WIDE);
    const raw = await fresh('raw', (url) => rawBossDrain(url, tasks));
    const narrow = await fresh('drain', (url) => serviceDrain(url, workflow, tasks, NARROW));
    const wide = await fresh('drain', (url) => serviceDrain(url, workflow, tasks, WIDE));
    rows.push({ ...floors, narrowWindow, wideWindow, raw, narrow, wide });
  }
  const of = (pick: (row: (typeof rows)[number]) => number) => median(rows.map(pick));
  const ours = (key: 'narrow' | 'wide', window: 'narrowWindow' | 'wideWindow'): OursFigures => ({
    rate: of((r) => r[key]),
    ofRaw: of((r) => r[key] / r.raw),
    ofFloor: of((r) => r[key] / r.floor),
    ofSameWindow: of((r) => r[key] / r[window]),
  });
  return {
    raw: of((r) => r.raw),
    floor: of((r) => r.floor),
    floorOfRaw: of((r) => r.floor / r.raw),
    onceOfRaw: of((r) => r.once / r.raw),
    largeOfRaw: of((r) => r.large / r.raw),
    narrowWindowOfRaw: of((r) => r.narrowWindow / r.raw),
    wideWindowOfRaw: of((r) => r.wideWindow / r.raw),
    narrow: ours('narrow', 'narrowWindow'),
    wide: ours('wide', 'wideWindow'),
  };
}

if (import.meta.main) {
  const tasks = Number(argValue('tasks') ?? 10_000);
  const rounds = Number(argValue('rounds') ?? 3);
  const figures = await runDrainRounds(
    argValue('database-url') ?? benchDatabaseUrl ?? DEFAULT_SERVER_URL,
    tasks,
    rounds,
  );
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}
