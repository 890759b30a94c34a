/**
 * submitMany vs pg-boss insert (`node bench/submit-many.ts [--database-url URL] [--tasks N]`): N tasks
 * through TaskService.submitMany in batches of 1,000 (task rows, first events and pg-boss jobs in one
 * transaction per batch), beside raw pg-boss `insert` of N jobs in batches of 1,000, on the same
 * database in the same run, in alternating rounds (on a shared machine the load changes by the second,
 * and the ratio should compare the same moments). No worker runs, so the figure is the write path alone.
 */
import { createTaskSystem } from '@kaygraph/tasks';
import { PgBoss } from 'pg-boss';
import pino from 'pino';
import postgres from 'postgres';
import { catalog } from './lifecycle-workflows.ts';
import { meterBackendCpu } from './pg-backend-cpu.ts';
import { cpuMsOf, cpuText } from './process-cpu.ts';
import {
  argValue,
  DEFAULT_SERVER_URL,
  type Figure,
  printFigures,
  withScratchDatabase,
} from './scratch-database.ts';

const BATCH = 1_000;
/** Rounds of each side, alternating. */
const ROUNDS = 4;
const caller = { owner: 'bench', admin: false };

/** One side of the comparison, open across the rounds. */
interface Side {
  /** Writes `count` tasks or jobs; the seconds it took. */
  run(count: number): Promise<number>;
  close(): Promise<void>;
}

/** Raw pg-boss: `insert` of `jobs` jobs in batches of 1,000; seconds it took. */
async function openRawInsert(url: string): Promise<Side> {
  const boss = new PgBoss({ connectionString: url, max: 4, supervise: false, schedule: false });
  boss.on('error', () => undefined);
  await boss.start();
  await boss.createQueue('bench_raw_insert');
  return {
    async run(jobs) {
      const started = performance.now();
      for (let i = 0; i < jobs; i += BATCH) {
        await boss.insert(
          'bench_raw_insert',
          Array.from({ length: Math.min(BATCH, jobs - i) }, (_, k) => ({ data: { i: i + k } })),
        );
      }
      return (performance.now() - started) / 1000;
    },
    close: () => boss.stop({ graceful: false, timeout: 1000 }),
  };
}

/** Ours: `tasks` tasks through submitMany in batches of 1,000; seconds it took. */
async function openSubmitMany(url: string): Promise<Side> {
  const system = await createTaskSystem({
    databaseUrl: url,
    logger: pino({ level: 'warn' }),
    maxQueueSize: 100_000_000,
    maxBatchSize: BATCH,
  });
  await system.publishWorkflows(catalog);
  // One warm-up batch (pools, prepared statements), not counted.
  await system.tasks.submitMany(caller, [{ workflow: 'bench_noop_inline', params: {}, priority: 'normal' }]);
  return {
    async run(tasks) {
      const started = performance.now();
      for (let i = 0; i < tasks; i += BATCH) {
        const batch = Array.from({ length: Math.min(BATCH, tasks - i) }, () => ({
          workflow: 'bench_noop_inline',
          params: {},
          priority: 'normal' as const,
        }));
        await system.tasks.submitMany(caller, batch);
      }
      return (performance.now() - started) / 1000;
    },
    close: () => system.close(),
  };
}

export async function runSubmitManyBench(
  options: { databaseUrl?: string; tasks?: number } = {},
): Promise<Figure[]> {
  const tasks = options.tasks ?? 20_000;
  const perRound = Math.max(BATCH, Math.ceil(tasks / ROUNDS / BATCH) * BATCH);
  return withScratchDatabase(options.databaseUrl ?? DEFAULT_SERVER_URL, 'submit_many', async (url) => {
    // Ours first: it migrates and creates the pg-boss schema, so the raw run does not pay for that.
    const ours = await openSubmitMany(url);
    const raw = await openRawInsert(url).catch(async (error: unknown) => {
      await ours.close();
      throw error;
    });
    const seconds = { ours: 0, raw: 0 };
    // CPU milliseconds of this process and of the backends serving the database, per side.
    const cpu = { ours: { process: 0, backends: 0 }, raw: { process: 0, backends: 0 } };
    // The meter's session, which it leaves out.
    const monitor = postgres(url, { max: 1, onnotice: () => {} });
    const measured = async (side: 'ours' | 'raw', count: number) => {
      const backends = await meterBackendCpu(monitor);
      const before = cpuMsOf(process.pid);
      seconds[side] += await (side === 'ours' ? ours : raw).run(count);
      cpu[side].process += cpuMsOf(process.pid) - before;
      cpu[side].backends += (await backends.stop()).totalMs;
    };
    let done = 0;
    try {
      for (; done < tasks; done += perRound) {
        const count = Math.min(perRound, tasks - done);
        await measured('ours', count);
        await measured('raw', count);
      }
    } finally {
      await Promise.all([ours.close(), raw.close(), monitor.end({ timeout: 5 })]);
    }
    const per1000 = (ms: number) => cpuText((ms / tasks) * 1000);
    const service = tasks / seconds.ours;
    const rawRate = tasks / seconds.raw;
    const ratio = service / rawRate;
    return [
      {
        name: `submitMany, ${tasks} tasks in batches of ${BATCH} (tasks/s) vs pg-boss insert (jobs/s), ${Math.ceil(tasks / perRound)} alternating rounds`,
        result: `${service.toFixed(0)} (${ratio.toFixed(2)}x)`,
        baseline: rawRate.toFixed(0),
        goal: '>= 0.3x',
        pass: ratio >= 0.3,
      },
      {
        // Both sides run in this process; every backend of the scratch database serves the side running.
        name: 'submitMany vs pg-boss insert: CPU ms per 1,000 tasks, this process + PostgreSQL backends',
        result: `${per1000(cpu.ours.process)} + ${per1000(cpu.ours.backends)}`,
        baseline: `${per1000(cpu.raw.process)} + ${per1000(cpu.raw.backends)}`,
        goal: '',
        pass: undefined,
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
