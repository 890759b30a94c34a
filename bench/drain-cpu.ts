/**
 * The worker's CPU time per task in the no-op drain:
 *   node bench/drain-cpu.ts [--tasks N] [--concurrency N] [--rounds N] [--profile FILE] [--database-url URL]
 * On a shared machine the drain's rate moves with the load; its CPU time per task hardly does, and every CPU
 * millisecond the worker spends is one PostgreSQL lacks when both share the cores. Each round queues N no-op
 * tasks (no worker running), starts a worker at the concurrency (default 256) and reads process.cpuUsage()
 * (every thread of the process: JS, GC, libuv) from before its start to the last task's completion, seen by
 * a count polled every 250 ms on a connection of its own. A warm-up drain of N tasks runs first, so JIT and
 * module loading stay out. `--profile FILE` adds one more drain, not counted, and writes its V8 CPU profile
 * (open it in Chrome DevTools or VS Code); the profiler samples wall time, so a `writeBuffer` there is
 * mostly the wait while PostgreSQL, woken by the write, takes the core.
 */
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import postgres from 'postgres';
import { median } from './drain.ts';
import { benchDatabaseUrl } from './env.ts';
import { noopTaskSystem, submitNoopTasks } from './noop-tasks.ts';
import { argValue, DEFAULT_SERVER_URL, withScratchDatabase } from './scratch-database.ts';

const WORKFLOWS_MODULE = new URL('./lifecycle-workflows.ts', import.meta.url).pathname;
const WORKFLOW = 'bench_noop_inline';
const POLL_MS = 250;

export interface DrainCpu {
  /** CPU milliseconds (user + system) per 1,000 tasks. */
  cpuMsPer1000: number;
  userMsPer1000: number;
  tasksPerSecond: number;
}

async function completedCount(sql: postgres.Sql): Promise<number> {
  const [row] = await sql<{ n: number }[]>`select count(*)::int as n from tasks where status = 'completed'`;
  return row?.n ?? 0;
}

/** Drains `tasks` no-op tasks `rounds` times after a warm-up, one worker at `concurrency`. */
export async function drainCpu(
  url: string,
  tasks: number,
  concurrency: number,
  rounds: number,
  profile?: string,
  warmUp = tasks,
): Promise<DrainCpu[]> {
  const system = await noopTaskSystem(url);
  const counter = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const drain = async (n: number, profiler?: Session): Promise<DrainCpu> => {
      const before = await completedCount(counter);
      await submitNoopTasks(system, WORKFLOW, n);
      await profiler?.post('Profiler.start');
      const cpu = process.cpuUsage();
      const started = performance.now();
      const worker = await system.startWorker({ concurrency, workflowsModule: WORKFLOWS_MODULE });
      while ((await completedCount(counter)) - before < n) await new Promise((r) => setTimeout(r, POLL_MS));
      const used = process.cpuUsage(cpu);
      const seconds = (performance.now() - started) / 1000;
      if (profiler && profile) {
        const { profile: recorded } = await profiler.post('Profiler.stop');
        await writeFile(profile, JSON.stringify(recorded));
      }
      await worker.stop();
      return {
        cpuMsPer1000: ((used.user + used.system) / 1000 / n) * 1000,
        userMsPer1000: (used.user / 1000 / n) * 1000,
        tasksPerSecond: n / seconds,
      };
    };
    if (warmUp > 0) await drain(warmUp);
    const figures: DrainCpu[] = [];
    for (let round = 0; round < rounds; round++) figures.push(await drain(tasks));
    // The profiled drain comes last and is not counted: the profiler costs CPU time of its own.
    if (profile) {
      const profiler = new Session();
      profiler.connect();
      await profiler.post('Profiler.enable');
      await drain(tasks, profiler);
      profiler.disconnect();
    }
    return figures;
  } finally {
    await counter.end({ timeout: 5 });
    await system.close();
  }
}

if (import.meta.main) {
  const tasks = Number(argValue('tasks') ?? 10_000);
  const concurrency = Number(argValue('concurrency') ?? 256);
  const rounds = Number(argValue('rounds') ?? 3);
  const serverUrl = argValue('database-url') ?? benchDatabaseUrl ?? DEFAULT_SERVER_URL;
  const figures = await withScratchDatabase(serverUrl, 'drain_cpu', (url) =>
    drainCpu(url, tasks, concurrency, rounds, argValue('profile')),
  );
  for (const f of figures)
    process.stdout.write(
      `cpu ${f.cpuMsPer1000.toFixed(0)} ms / 1000 tasks (user ${f.userMsPer1000.toFixed(0)}), ${f.tasksPerSecond.toFixed(0)} tasks/s\n`,
    );
  const cpu = median(figures.map((f) => f.cpuMsPer1000));
  process.stdout.write(
    `median: ${cpu.toFixed(0)} CPU ms per 1,000 tasks (${tasks} tasks, concurrency ${concurrency}, ${rounds} rounds)\n`,
  );
}
