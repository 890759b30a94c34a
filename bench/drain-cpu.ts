/**
 * CPU time per task of the no-op drain, ours beside the floor's:
 *   node bench/drain-cpu.ts [--tasks N] [--concurrency N] [--rounds N] [--profile FILE] [--database-url URL]
 * On a shared machine the drain's rate moves with the load; its CPU time per task hardly does, and every CPU
 * millisecond one side spends is one the other lacks when the worker and PostgreSQL share the cores. Each
 * round drains N queued no-op tasks twice, in its own scratch database each time, in alternating order:
 * - ours: a worker at the concurrency (default 256) started once the tasks are queued;
 * - the floor (drain-floor.ts) at ours' in-flight window at that concurrency (2 loops of concurrency / 2).
 * Two clocks, from the drain's start to its last task's completion: this process's (process.cpuUsage(): every
 * thread, JS, GC, libuv) and PostgreSQL's, the backends of the scratch database but the meter's
 * (pg-backend-cpu.ts), by application name (`kaygraph-tasks`: the pool that claims and finishes); "n/a" when
 * PostgreSQL's backends are not processes of this machine. Both clocks are read as soon as the drain ends;
 * ours' end is seen by a count polled on the meter's connection, more often as it nears the end (every
 * 10 ms at the last). A warm-up drain of each kind runs first,
 * so JIT and module loading stay out. `--profile FILE` adds one more drain of ours, not counted, and writes
 * its V8 CPU profile (open it in Chrome DevTools or VS Code); the profiler samples wall time, so a
 * `writeBuffer` there is mostly the wait while PostgreSQL, woken by the write, takes the core.
 */
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import postgres from 'postgres';
import { median } from './drain.ts';
import { drainFloorQueue, sameWindowFloor } from './drain-floor.ts';
import { benchDatabaseUrl } from './env.ts';
import { noopTaskSystem, submitNoopTasks } from './noop-tasks.ts';
import { meterBackendCpu } from './pg-backend-cpu.ts';
import { cpuText } from './process-cpu.ts';
import { argValue, DEFAULT_SERVER_URL, withScratchDatabase } from './scratch-database.ts';

const WORKFLOWS_MODULE = new URL('./lifecycle-workflows.ts', import.meta.url).pathname;
const WORKFLOW = 'bench_noop_inline';
/** The meter's sampling interval, and the longest and shortest wait between polls of ours' completions. */
const POLL_MS = 250;
const LAST_POLL_MS = 10;

export type DrainKind = 'ours' | 'floor';

export interface DrainCpu {
  kind: DrainKind;
  /** This process's CPU milliseconds (user + system) per 1,000 tasks. */
  cpuMsPer1000: number;
  userMsPer1000: number;
  /** PostgreSQL's CPU milliseconds per 1,000 tasks (the scratch database's backends); NaN: not measurable. */
  pgMsPer1000: number;
  /** The same by application name. */
  pgByApplication: Record<string, number>;
  tasksPerSecond: number;
}

async function completedCount(sql: postgres.Sql): Promise<number> {
  const [row] = await sql<{ n: number }[]>`select count(*)::int as n from tasks where status = 'completed'`;
  return row?.n ?? 0;
}

/**
 * Resolves once `tasks` tasks completed. Each poll waits half the time the rate so far predicts for the rest,
 * between LAST_POLL_MS and POLL_MS: the end is seen within ~10 ms for a handful of scans of the table.
 */
async function untilCompleted(sql: postgres.Sql, tasks: number): Promise<void> {
  const started = performance.now();
  for (let done = await completedCount(sql); done < tasks; done = await completedCount(sql)) {
    const perTaskMs = done > 0 ? (performance.now() - started) / done : Number.POSITIVE_INFINITY;
    await sleep(Math.min(POLL_MS, Math.max(LAST_POLL_MS, ((tasks - done) * perTaskMs) / 2)));
  }
}

/** Both clocks around `drain`, per 1,000 of `tasks`; the meter samples every POLL_MS meanwhile. */
async function measured(
  kind: DrainKind,
  meterSql: postgres.Sql,
  tasks: number,
  drain: () => Promise<void>,
): Promise<DrainCpu> {
  const meter = await meterBackendCpu(meterSql);
  const cpu = process.cpuUsage();
  const started = performance.now();
  const sampler = new AbortController();
  const sampling = (async () => {
    while (!sampler.signal.aborted) {
      // Aborted as the drain ends: a sleeping sampler must not hold the last reading back.
      const slept = await sleep(POLL_MS, true, { signal: sampler.signal }).catch(() => false);
      if (!slept) return;
      await meter.sample();
    }
  })();
  let used: NodeJS.CpuUsage;
  let seconds: number;
  try {
    await drain();
  } finally {
    // The clocks stop where the drain does, before anything waits (ours' worker keeps running meanwhile).
    used = process.cpuUsage(cpu);
    seconds = (performance.now() - started) / 1000;
    sampler.abort();
    await sampling;
  }
  const pg = await meter.stop();
  const per1000 = (ms: number) => (ms / tasks) * 1000;
  return {
    kind,
    cpuMsPer1000: per1000((used.user + used.system) / 1000),
    userMsPer1000: per1000(used.user / 1000),
    pgMsPer1000: per1000(pg.totalMs),
    pgByApplication: Object.fromEntries(
      Object.entries(pg.byApplication).map(([name, ms]) => [name, per1000(ms)]),
    ),
    tasksPerSecond: tasks / seconds,
  };
}

/** One drain of `kind` in a fresh scratch database of `serverUrl`'s. */
async function drainOnce(
  serverUrl: string,
  kind: DrainKind,
  tasks: number,
  concurrency: number,
  profile?: string,
): Promise<DrainCpu> {
  return withScratchDatabase(serverUrl, 'drain_cpu', async (url) => {
    const system = await noopTaskSystem(url);
    // The meter's session, which it leaves out: it also polls ours' completions.
    const meterSql = postgres(url, { max: 1, onnotice: () => {} });
    try {
      await submitNoopTasks(system, WORKFLOW, tasks);
      if (kind === 'floor') {
        let figures: DrainCpu | undefined;
        await drainFloorQueue(system, WORKFLOW, tasks, sameWindowFloor(concurrency), async (drain) => {
          figures = await measured(kind, meterSql, tasks, drain);
        });
        if (!figures) throw new Error('the floor drain ran unmeasured');
        return figures;
      }
      const profiler = profile ? new Session() : undefined;
      profiler?.connect();
      await profiler?.post('Profiler.enable');
      await profiler?.post('Profiler.start');
      let stopWorker: () => Promise<void> = async () => {};
      const figures = await measured(kind, meterSql, tasks, async () => {
        const worker = await system.startWorker({ concurrency, workflowsModule: WORKFLOWS_MODULE });
        stopWorker = () => worker.stop();
        await untilCompleted(meterSql, tasks);
      });
      if (profiler && profile) {
        const { profile: recorded } = await profiler.post('Profiler.stop');
        await writeFile(profile, JSON.stringify(recorded));
        profiler.disconnect();
      }
      await stopWorker();
      return figures;
    } finally {
      await meterSql.end({ timeout: 5 });
      await system.close();
    }
  });
}

/**
 * `rounds` rounds after a warm-up of each kind; each round drains ours and the floor, in alternating order.
 * With `profile`, one more drain of ours, not counted (the profiler costs CPU time of its own).
 */
export async function drainCpu(
  serverUrl: string,
  tasks: number,
  concurrency: number,
  rounds: number,
  profile?: string,
): Promise<DrainCpu[]> {
  await drainOnce(serverUrl, 'ours', tasks, concurrency);
  await drainOnce(serverUrl, 'floor', tasks, concurrency);
  const figures: DrainCpu[] = [];
  for (let round = 0; round < rounds; round++) {
    const order: DrainKind[] = round % 2 === 0 ? ['ours', 'floor'] : ['floor', 'ours'];
    for (const kind of order) figures.push(await drainOnce(serverUrl, kind, tasks, concurrency));
  }
  if (profile) await drainOnce(serverUrl, 'ours', tasks, concurrency, profile);
  return figures;
}

if (import.meta.main) {
  const tasks = Number(argValue('tasks') ?? 10_000);
  const concurrency = Number(argValue('concurrency') ?? 256);
  const rounds = Number(argValue('rounds') ?? 3);
  const serverUrl = argValue('database-url') ?? benchDatabaseUrl ?? DEFAULT_SERVER_URL;
  const figures = await drainCpu(serverUrl, tasks, concurrency, rounds, argValue('profile'));
  const ms = (value: number) => cpuText(value);
  for (const f of figures) {
    const apps = Object.entries(f.pgByApplication)
      .filter(([, value]) => value >= 0.5)
      .map(([name, value]) => `${name} ${ms(value)}`)
      .join(', ');
    process.stdout.write(
      `${f.kind.padEnd(5)} worker ${ms(f.cpuMsPer1000)} (user ${ms(f.userMsPer1000)}), postgres ${ms(f.pgMsPer1000)} (${apps}) ms / 1000 tasks, ${ms(f.tasksPerSecond)} tasks/s\n`,
    );
  }
  for (const kind of ['ours', 'floor'] as const) {
    const of = figures.filter((f) => f.kind === kind);
    const worker = median(of.map((f) => f.cpuMsPer1000));
    const pg = median(of.map((f) => f.pgMsPer1000));
    process.stdout.write(
      `median ${kind}: worker ${ms(worker)} + postgres ${ms(pg)} = ${ms(worker + pg)} CPU ms per 1,000 tasks (${tasks} tasks, concurrency ${concurrency}, ${rounds} rounds)\n`,
    );
  }
}
