/**
 * Samples processes from /proc at an interval: each tick reads every process's RSS and how many worker
 * threads it has alive (Node names each worker thread `WorkerThread`), so memory can be read beside the
 * threads that hold it.
 */
import { readdir, readFile } from 'node:fs/promises';

export interface ProcessSample {
  rssMb: number;
  /** Worker threads alive in the process (busy or idle in its pool). */
  workerThreads: number;
}

/** One reading of every sampled process, keyed by pid. */
export type SampleTick = ReadonlyMap<number, ProcessSample>;

export interface ProcessSampler {
  readonly ticks: readonly SampleTick[];
  stop(): void;
}

async function liveWorkerThreads(pid: number): Promise<number> {
  const tids = await readdir(`/proc/${pid}/task`).catch(() => []);
  const names = await Promise.all(
    tids.map((tid) => readFile(`/proc/${pid}/task/${tid}/comm`, 'utf8').catch(() => '')),
  );
  return names.filter((name) => name.trim() === 'WorkerThread').length;
}

async function sampleProcess(pid: number): Promise<ProcessSample> {
  const [status, workerThreads] = await Promise.all([
    readFile(`/proc/${pid}/status`, 'utf8').catch(() => ''),
    liveWorkerThreads(pid),
  ]);
  return { rssMb: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) / 1024, workerThreads };
}

/** Starts sampling `pids` every `everyMs`; a tick still reading when the next is due is not overlapped. */
export function sampleProcesses(pids: readonly number[], everyMs: number): ProcessSampler {
  const ticks: SampleTick[] = [];
  let reading = false;
  const timer = setInterval(() => {
    if (reading) return;
    reading = true;
    void Promise.all(pids.map(async (pid) => [pid, await sampleProcess(pid)] as const))
      .then((entries) => ticks.push(new Map(entries)))
      .finally(() => {
        reading = false;
      });
  }, everyMs);
  return { ticks, stop: () => clearInterval(timer) };
}
