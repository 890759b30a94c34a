/**
 * submitMany vs pg-boss insert (`node bench/submit-many.ts [--database-url URL] [--tasks N]`): N tasks
 * through TaskService.submitMany in batches of 1,000 (task rows, first events and pg-boss jobs in one
 * transaction per batch), beside raw pg-boss `insert` of N jobs in batches of 1,000, on the same
 * database in the same run. No worker runs, so the figure is the write path alone.
 */
import { createTaskSystem } from '@kaygraph/tasks';
import { PgBoss } from 'pg-boss';
import pino from 'pino';
import { catalog } from './lifecycle-workflows.ts';
import {
  argValue,
  DEFAULT_SERVER_URL,
  type Figure,
  printFigures,
  withScratchDatabase,
} from './scratch-database.ts';

const BATCH = 1_000;
const caller = { owner: 'bench', admin: false };

async function rawInsertRate(url: string, jobs: number): Promise<number> {
  const boss = new PgBoss({ connectionString: url, max: 4, supervise: false, schedule: false });
  boss.on('error', () => undefined);
  await boss.start();
  try {
    await boss.createQueue('bench_raw_insert');
    const started = performance.now();
    for (let i = 0; i < jobs; i += BATCH) {
      await boss.insert(
        'bench_raw_insert',
        Array.from({ length: Math.min(BATCH, jobs - i) }, (_, k) => ({ data: { i: i + k } })),
      );
    }
    return jobs / ((performance.now() - started) / 1000);
  } finally {
    await boss.stop({ graceful: false, timeout: 1000 });
  }
}

async function submitManyRate(url: string, tasks: number): Promise<number> {
  const system = await createTaskSystem({
    databaseUrl: url,
    logger: pino({ level: 'warn' }),
    maxQueueSize: 100_000_000,
  });
  try {
    await system.publishWorkflows(catalog);
    // One warm-up batch (pools, prepared statements), not counted.
    await system.tasks.submitMany(caller, [
      { workflow: 'bench_noop_inline', params: {}, priority: 'normal' },
    ]);
    const started = performance.now();
    for (let i = 0; i < tasks; i += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, tasks - i) }, () => ({
        workflow: 'bench_noop_inline',
        params: {},
        priority: 'normal' as const,
      }));
      await system.tasks.submitMany(caller, batch);
    }
    return tasks / ((performance.now() - started) / 1000);
  } finally {
    await system.close();
  }
}

export async function runSubmitManyBench(
  options: { databaseUrl?: string; tasks?: number } = {},
): Promise<Figure[]> {
  const tasks = options.tasks ?? 20_000;
  return withScratchDatabase(options.databaseUrl ?? DEFAULT_SERVER_URL, 'submit_many', async (url) => {
    // The service first: it migrates and creates the pg-boss schema, so the raw run does not pay for that.
    const service = await submitManyRate(url, tasks);
    const raw = await rawInsertRate(url, tasks);
    const ratio = service / raw;
    return [
      {
        name: `submitMany, ${tasks} tasks in batches of ${BATCH} (tasks/s) vs pg-boss insert (jobs/s)`,
        result: `${service.toFixed(0)} (${ratio.toFixed(2)}x)`,
        baseline: raw.toFixed(0),
        goal: '>= 0.3x',
        pass: ratio >= 0.3,
      },
    ];
  });
}

if (import.meta.main) {
  const tasks = argValue('tasks');
  const figures = await runSubmitManyBench({
    databaseUrl: argValue('database-url'),
    ...(tasks ? { tasks: Number(tasks) } : {}),
  });
  printFigures('submitMany benchmark', figures);
}
