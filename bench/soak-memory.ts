/**
 * The soak's memory rows, from its process samples. The soak submits its thread-bound share last, so the
 * ticks before any worker thread is alive are the inline share (every run on a worker's main thread):
 * they carry the drift and issue 15's bounds. The ticks from the first live thread on show the whole
 * worker process with its threads, and what the threads add, on rows of their own.
 */
import type { SampleTick } from './process-sampler.ts';
import type { Figure } from './scratch-database.ts';

/** Highest RSS each process may reach during the soak, in MB (issue 15). */
const RSS_BOUND_MB = { api: 200, worker: 250 } as const;

export interface WatchedProcess {
  kind: 'api' | 'worker';
  pid: number;
}

export interface ThreadShare {
  tasks: number;
  cpuMs: number;
  /** MAX_WORKERS of each worker process: the most threads its pool runs. */
  maxThreads: number;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/** Mean of the first and last quarter of the samples after a 10 % warm-up. */
function drift(samples: readonly number[]): { first: number; last: number } {
  const settled = samples.slice(Math.floor(samples.length / 10));
  const quarter = Math.max(1, Math.floor(settled.length / 4));
  return { first: mean(settled.slice(0, quarter)), last: mean(settled.slice(-quarter)) };
}

function rssOf(ticks: readonly SampleTick[], pid: number): number[] {
  return ticks.map((tick) => tick.get(pid)?.rssMb ?? Number.NaN).filter((mb) => !Number.isNaN(mb));
}

/** The highest sample; NaN when there is none, so that no bound passes on no data. */
const maxOf = (samples: readonly number[]) => (samples.length > 0 ? Math.max(...samples) : Number.NaN);

/** The tick at which the process's RSS was highest, with its thread count then. */
function peak(ticks: readonly SampleTick[], pid: number): { rssMb: number; workerThreads: number } {
  let best = { rssMb: Number.NEGATIVE_INFINITY, workerThreads: 0 };
  for (const tick of ticks) {
    const sample = tick.get(pid);
    if (sample && sample.rssMb > best.rssMb) best = sample;
  }
  return best;
}

export function soakMemoryFigures(
  watched: readonly WatchedProcess[],
  ticks: readonly SampleTick[],
  share: ThreadShare,
): Figure[] {
  const firstThreaded = ticks.findIndex((tick) => [...tick.values()].some((s) => s.workerThreads > 0));
  const inline = firstThreaded < 0 ? ticks : ticks.slice(0, firstThreaded);
  const threaded = firstThreaded < 0 ? [] : ticks.slice(firstThreaded);
  const workers = watched.filter((p) => p.kind === 'worker');

  const drifts = watched.map((p) => ({ kind: p.kind, ...drift(rssOf(inline, p.pid)) }));
  // Flat: the last quarter within 10 % (or 16 MB, whichever is larger) of the first.
  const flat = inline.length > 0 && drifts.every((d) => d.last - d.first <= Math.max(16, d.first * 0.1));
  // The api runs no workflow: its bound covers the whole soak; a worker's covers its inline share.
  const bounded = watched.map((p) => ({
    kind: p.kind,
    max: maxOf(rssOf(p.kind === 'api' ? ticks : inline, p.pid)),
  }));
  const withThreads = workers.map((p) => {
    const top = peak(threaded, p.pid);
    const added = top.rssMb - maxOf(rssOf(inline, p.pid));
    return { ...top, added, perThread: added / Math.max(1, top.workerThreads) };
  });
  const seen = threaded.length > 0;

  return [
    {
      name: 'soak: RSS over the inline share (before any worker thread), mean of the first vs the last quarter (MB)',
      result: drifts.map((d) => `${d.kind} ${d.first.toFixed(0)} -> ${d.last.toFixed(0)}`).join(', '),
      baseline: '',
      goal: 'flat (< +10 %)',
      pass: flat,
    },
    {
      name: 'soak: max RSS (MB): the api over the whole soak, each worker over the inline share (every run on its main thread, no worker thread alive)',
      result: bounded.map((m) => `${m.kind} ${m.max.toFixed(0)}`).join(', '),
      baseline: '',
      goal: `api < ${RSS_BOUND_MB.api}, each worker < ${RSS_BOUND_MB.worker}`,
      pass: bounded.every((m) => m.max < RSS_BOUND_MB[m.kind]),
    },
    {
      name: `soak: worker max RSS during the thread-bound share (${share.tasks.toLocaleString('en')} demo tasks with cpu_ms ${share.cpuMs}, MAX_WORKERS ${share.maxThreads}; worker threads alive at that peak) (MB)`,
      result: seen
        ? withThreads.map((w) => `worker ${w.rssMb.toFixed(0)} (${w.workerThreads} threads)`).join(', ')
        : 'no worker thread seen',
      baseline: '',
      goal: `each worker < ${RSS_BOUND_MB.worker} (issue 15, whole process)`,
      pass: seen && withThreads.every((w) => w.rssMb < RSS_BOUND_MB.worker),
    },
    {
      name: 'soak: what worker threads add to a worker: thread-share peak minus inline-share peak (MB; per live thread)',
      result: seen
        ? withThreads
            .map((w) => `worker +${w.added.toFixed(0)} (${w.perThread.toFixed(0)} a thread)`)
            .join(', ')
        : '',
      baseline: '',
      goal: '',
      pass: undefined,
    },
  ];
}
