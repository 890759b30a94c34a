/**
 * A worker process's memory with its worker threads alive (`node bench/thread-memory.ts [--database-url URL]
 * [--inline N] [--tasks N]`): the soak's thread-bound share alone. One worker process (MAX_WORKERS 8, the
 * e2e workflows module, as the soak starts it) on a scratch database first runs N inline demo tasks
 * (default 2,000: every run on its main thread), then N demo tasks with cpu_ms 2 (default 10,000: every run
 * in a worker thread). Its RSS and live worker threads are sampled every 100 ms; it reports the idle RSS,
 * the peak over the inline share, the peak over the thread share and what the threads add per live thread.
 */
import { Processes } from '@kaygraph/e2e/processes';
import { createTaskSystem } from '@kaygraph/tasks';
import pino from 'pino';
import postgres from 'postgres';
import { type SampleTick, sampleProcesses } from './process-sampler.ts';
import { argValue, DEFAULT_SERVER_URL, withScratchDatabase } from './scratch-database.ts';

const MAX_WORKERS = 8;
const BATCH = 1_000;
const SAMPLE_MS = 100;

async function finishedCount(sql: postgres.Sql): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    select count(*)::int as n from tasks where status in ('completed', 'failed', 'cancelled')`;
  return row?.n ?? 0;
}

function peakOf(ticks: readonly SampleTick[], pid: number): { rssMb: number; workerThreads: number } {
  let best = { rssMb: 0, workerThreads: 0 };
  for (const tick of ticks) {
    const sample = tick.get(pid);
    if (sample && sample.rssMb > best.rssMb) best = sample;
  }
  return best;
}

export async function meterThreadMemory(options: { databaseUrl: string; inline: number; tasks: number }) {
  return withScratchDatabase(options.databaseUrl, 'threadmem', async (url) => {
    const processes = new Processes();
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    const system = await createTaskSystem({
      databaseUrl: url,
      logger: pino({ level: 'warn' }),
      maxQueueSize: 10_000_000,
      maxBatchSize: BATCH,
    });
    try {
      const worker = await processes.startWorker({
        databaseUrl: url,
        env: { LOG_LEVEL: 'info', MAX_WORKERS: String(MAX_WORKERS) },
      });
      const sampler = sampleProcesses([worker.pid], SAMPLE_MS);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const idle = peakOf(sampler.ticks, worker.pid).rssMb;
      let submitted = 0;
      const share = async (count: number, cpuMs: number) => {
        for (let from = 0; from < count; from += BATCH) {
          const batch = Array.from({ length: Math.min(BATCH, count - from) }, () => ({
            workflow: 'demo',
            params: { steps: 1, step_ms: 0, cpu_ms: cpuMs },
          }));
          await system.tasks.submitMany({ owner: 'bench', admin: false }, batch);
        }
        submitted += count;
        while ((await finishedCount(sql)) < submitted) await new Promise((r) => setTimeout(r, 250));
        return sampler.ticks.length;
      };
      const inlineEnd = await share(options.inline, 0);
      const started = performance.now();
      await share(options.tasks, 2);
      const seconds = (performance.now() - started) / 1000;
      sampler.stop();
      const inline = peakOf(sampler.ticks.slice(0, inlineEnd), worker.pid);
      const threaded = peakOf(sampler.ticks.slice(inlineEnd), worker.pid);
      const added = threaded.rssMb - inline.rssMb;
      return {
        idleMb: idle,
        inlinePeakMb: inline.rssMb,
        threadPeakMb: threaded.rssMb,
        threads: threaded.workerThreads,
        perThreadMb: added / Math.max(1, threaded.workerThreads),
        threadTasksPerSecond: options.tasks / seconds,
      };
    } finally {
      await processes.killAll();
      await system.close();
      await sql.end({ timeout: 5 });
    }
  });
}

if (import.meta.main) {
  const figures = await meterThreadMemory({
    databaseUrl: argValue('database-url') ?? DEFAULT_SERVER_URL,
    inline: Number(argValue('inline') ?? 2_000),
    tasks: Number(argValue('tasks') ?? 10_000),
  });
  const mb = (n: number) => n.toFixed(0);
  console.log(
    `worker RSS (MB): idle ${mb(figures.idleMb)}, inline peak ${mb(figures.inlinePeakMb)}, ` +
      `thread peak ${mb(figures.threadPeakMb)} (${figures.threads} threads alive), ` +
      `+${mb(figures.threadPeakMb - figures.inlinePeakMb)} = ${figures.perThreadMb.toFixed(1)} a thread; ` +
      `${figures.threadTasksPerSecond.toFixed(0)} thread tasks/s`,
  );
}
