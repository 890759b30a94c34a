/**
 * What a per-key limit costs the drain (`node bench/concurrency-keys.ts [--tasks N] [--rounds N]`): N inline
 * no-op tasks drained by one worker at concurrency 64, each round on fresh scratch databases:
 * - `bench_noop_inline` without keys (the baseline: no per-key limit, the fetch as before);
 * - `bench_noop_keyed` (limit 1) with a key per task: the limit never binds, so this is what the queue
 *   lock and pg-boss' group fetch cost;
 * - `bench_noop_keyed` with 10 keys: the limit binds, at most 10 tasks run at once.
 * Medians over the rounds; each ratio is taken within its round.
 */
import { fileURLToPath } from 'node:url';
import { createTaskSystem } from '@kaygraph/tasks';
import pino from 'pino';
import { median } from './drain.ts';
import { benchDatabaseUrl } from './env.ts';
import { catalog } from './keyed-workflows.ts';
import { argValue, DEFAULT_SERVER_URL, withScratchDatabase } from './scratch-database.ts';
import { statusCounter } from './status-counter.ts';

const WORKFLOWS_MODULE = fileURLToPath(new URL('./keyed-workflows.ts', import.meta.url));
const CONCURRENCY = 64;
const BATCH = 1000;

/** Submits `tasks` tasks of `workflow` (key i % keys, or none), then times one worker's drain of them. */
async function drain(url: string, workflow: string, tasks: number, keys: number | null): Promise<number> {
  const system = await createTaskSystem({
    databaseUrl: url,
    logger: pino({ level: 'warn' }),
    maxQueueSize: 10_000_000,
    maxBatchSize: BATCH,
  });
  const completions = await statusCounter(url, workflow, 'completed');
  try {
    await system.publishWorkflows(catalog);
    for (let i = 0; i < tasks; i += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, tasks - i) }, (_, k) => ({
        workflow,
        params: {},
        ...(keys === null ? {} : { concurrency_key: `key-${(i + k) % keys}` }),
      }));
      await system.tasks.submitMany({ owner: 'bench', admin: false }, batch);
    }
    const started = performance.now();
    const worker = await system.startWorker({ concurrency: CONCURRENCY, workflowsModule: WORKFLOWS_MODULE });
    await completions.until(tasks);
    const rate = tasks / ((performance.now() - started) / 1000);
    await worker.stop();
    return rate;
  } finally {
    await completions.close();
    await system.close();
  }
}

const tasks = Number(argValue('tasks') ?? 5_000);
const rounds = Number(argValue('rounds') ?? 3);
const server = argValue('database-url') ?? benchDatabaseUrl ?? DEFAULT_SERVER_URL;
const rows: { plain: number; everyKey: number; tenKeys: number }[] = [];
for (let round = 0; round < rounds; round++) {
  const fresh = (run: (url: string) => Promise<number>) => withScratchDatabase(server, 'keys', run);
  // Migrated by the task system itself (migrate defaults to on for createTaskSystem).
  const plain = await fresh((url) => drain(url, 'bench_noop_inline', tasks, null));
  const everyKey = await fresh((url) => drain(url, 'bench_noop_keyed', tasks, tasks));
  const tenKeys = await fresh((url) => drain(url, 'bench_noop_keyed', tasks, 10));
  rows.push({ plain, everyKey, tenKeys });
  process.stderr.write(`round ${round + 1}: ${JSON.stringify(rows.at(-1))}\n`);
}
const of = (pick: (row: (typeof rows)[number]) => number) => Math.round(median(rows.map(pick)) * 100) / 100;
process.stdout.write(
  `${JSON.stringify({
    tasks,
    concurrency: CONCURRENCY,
    plain: of((r) => r.plain),
    everyKey: of((r) => r.everyKey),
    everyKeyOfPlain: of((r) => r.everyKey / r.plain),
    tenKeys: of((r) => r.tenKeys),
    tenKeysOfPlain: of((r) => r.tenKeys / r.plain),
  })}\n`,
);
