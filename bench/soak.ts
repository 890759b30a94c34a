/**
 * Soak (`node bench/soak.ts [--database-url URL] [--tasks N]`, default 100,000): one api and two worker
 * processes on a scratch database take N demo tasks through tRPC submitMany, 5 % of them failing (no
 * retries: straight to the dead-letter queue) and 2 % cancelled (submitted for later, then cancelled over
 * REST). The last 10 % burn a little CPU, so they run in worker threads while the rest run on the workers'
 * main threads. It checks that every task ends once (completed + failed + cancelled == submitted, dead
 * letters == failed) and samples every process's RSS and live worker threads (soak-memory.ts: the rows).
 */
import { createClient } from '@kaygraph/client';
import { Processes, type ServiceProcess } from '@kaygraph/e2e/processes';
import postgres from 'postgres';
import { sampleProcesses } from './process-sampler.ts';
import {
  argValue,
  DEFAULT_SERVER_URL,
  type Figure,
  printFigures,
  withScratchDatabase,
} from './scratch-database.ts';
import { soakMemoryFigures } from './soak-memory.ts';

const BATCH = 1_000;
const SAMPLE_MS = 1_000;
const MAX_WORKERS = 8;
/** The share of tasks, submitted last, that burn CPU and so run in worker threads (demo's `inline`). */
const THREAD_SHARE = 0.1;
const THREAD_CPU_MS = 2;
/** No task finished for this long: the soak is stuck, stop and report what is left. */
const STALL_MS = 180_000;
export interface SoakReport {
  figures: Figure[];
  counts: Record<string, number>;
  seconds: number;
}

function kindOf(i: number): 'fail' | 'cancel' | 'ok' {
  const r = i % 100;
  return r < 5 ? 'fail' : r < 7 ? 'cancel' : 'ok';
}

export async function runSoak(options: { databaseUrl?: string; tasks?: number } = {}): Promise<SoakReport> {
  const total = options.tasks ?? 100_000;
  const threadTasks = Math.round(total * THREAD_SHARE);
  const cpuMs = (i: number) => (i >= total - threadTasks ? THREAD_CPU_MS : 0);
  return withScratchDatabase(options.databaseUrl ?? DEFAULT_SERVER_URL, 'soak', async (url) => {
    const processes = new Processes();
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    try {
      const api = await processes.startApi({
        databaseUrl: url,
        // Batches of 1,000 per submitMany call: the api's MAX_BATCH_SIZE is raised to match.
        env: {
          LOG_LEVEL: 'warn',
          MAX_BATCH_SIZE: String(BATCH),
        },
      });
      const workerEnv = {
        LOG_LEVEL: 'info',
        MAX_WORKERS: String(MAX_WORKERS),
      };
      const workers: ServiceProcess[] = [];
      for (let i = 0; i < 2; i++)
        workers.push(await processes.startWorker({ databaseUrl: url, env: workerEnv }));
      const watched = [api, ...workers];
      const sampler = sampleProcesses(
        watched.map((p) => p.pid),
        SAMPLE_MS,
      );

      const started = performance.now();
      using client = createClient({ url: api.url });
      const toCancel: string[] = [];
      for (let from = 0; from < total; from += BATCH) {
        const batch = Array.from({ length: Math.min(BATCH, total - from) }, (_, k) => {
          const kind = kindOf(from + k);
          const params = { steps: 1, step_ms: 0, cpu_ms: cpuMs(from + k) };
          if (kind === 'fail')
            return { workflow: 'demo', params: { ...params, fail_attempts: 50 }, max_retries: 0 };
          if (kind === 'cancel') return { workflow: 'demo', params, run_at: '2099-01-01T00:00:00Z' };
          return { workflow: 'demo', params };
        });
        const { tasks } = await client.tasks.submitMany.mutate({ tasks: batch });
        tasks.forEach((task, k) => {
          if (kindOf(from + k) === 'cancel') toCancel.push(task.task_id);
        });
      }
      for (const taskId of toCancel) {
        const response = await fetch(`${api.url}/tasks/${taskId}`, { method: 'DELETE' });
        if (response.status >= 300)
          throw new Error(`cancel answered ${response.status}: ${await response.text()}`);
        await response.arrayBuffer();
      }

      let counts: Record<string, number> = {};
      let finished = 0;
      let lastProgress = Date.now();
      for (;;) {
        const rows = await sql<
          { status: string; n: number }[]
        >`select status, count(*)::int as n from tasks group by 1`;
        counts = Object.fromEntries(rows.map((r) => [r.status, r.n]));
        const done = (counts.completed ?? 0) + (counts.failed ?? 0) + (counts.cancelled ?? 0);
        if (done > finished) {
          finished = done;
          lastProgress = Date.now();
        }
        if (done >= total || Date.now() - lastProgress > STALL_MS) break;
        process.stderr.write(`soak: ${done} / ${total} finished\r`);
        await new Promise((resolve) => setTimeout(resolve, 2_000));
      }
      sampler.stop();
      const seconds = (performance.now() - started) / 1000;
      // The task table is the record of dead letters (every failed task is one).
      const [dl] = await sql<
        { n: number }[]
      >`select count(*)::int as n from tasks where dead_lettered_at is not null`;
      const deadLetters = dl?.n ?? 0;
      const completed = counts.completed ?? 0;
      const failed = counts.failed ?? 0;
      const cancelled = counts.cancelled ?? 0;
      const alive = watched.every((p) => p.child.exitCode === null);
      const figures: Figure[] = [
        {
          name: `soak: ${total.toLocaleString('en')} demo tasks (5 % failing, 2 % cancelled, the last ${threadTasks.toLocaleString('en')} in worker threads), 1 api + 2 workers, ${(seconds / 60).toFixed(1)} min (${(total / seconds).toFixed(0)} tasks/s)`,
          result: `${completed} completed + ${failed} failed + ${cancelled} cancelled = ${completed + failed + cancelled}`,
          baseline: `${total} submitted`,
          goal: '== submitted',
          pass: completed + failed + cancelled === total && alive,
        },
        {
          name: 'soak: dead letters (every failed task reached the dead-letter queue)',
          result: String(deadLetters),
          baseline: `${failed} failed`,
          goal: '== failed',
          pass: deadLetters === failed,
        },
        ...soakMemoryFigures(watched, sampler.ticks, {
          tasks: threadTasks,
          cpuMs: THREAD_CPU_MS,
          maxThreads: MAX_WORKERS,
        }),
      ];
      return { figures, counts: { ...counts, dead_letters: deadLetters }, seconds };
    } finally {
      await processes.killAll();
      await sql.end({ timeout: 5 });
    }
  });
}

if (import.meta.main) {
  const tasks = argValue('tasks');
  const report = await runSoak({
    databaseUrl: argValue('database-url'),
    ...(tasks ? { tasks: Number(tasks) } : {}),
  });
  printFigures('Soak', report.figures);
}
