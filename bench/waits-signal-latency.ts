/**
 * Signal -> the node after the wait running, on an idle worker, in process (TaskService + worker, as the
 * lifecycle bench's submit -> running). One `bench_signal_wait` task at a time: submit, node `before`
 * runs, the task waits; then `tasks.signal()` resumes it and node `after` runs. The workflow is inline, so
 * its nodes run in this process and tell `nodeStarts` when their exec starts. Timed from before the call:
 * signal -> `after` starting and -> the resumed run's `running` event on the event feed (`tasks.feed`),
 * beside submit -> `before` starting and -> the first `running` event of the same tasks (the baseline: the
 * same path without a wait).
 */
import type { TaskEvent } from '@kaygraph/contracts';
import { createTaskSystem, resolveWorkflowsModule } from '@kaygraph/tasks';
import pino from 'pino';
import { nodeStarts, SIGNAL_NAME, SIGNAL_WAIT_WORKFLOW, WAIT_WORKFLOWS_MODULE } from './wait-workflows.ts';

const caller = { owner: 'bench', admin: false };
/** The first samples warm up the pools and caches. */
const WARM_UP = 20;
const LATE_MS = 30_000;

/** Milliseconds, ascending. */
export type SignalLatencies = Record<
  'submitToRunning' | 'submitToFirstNode' | 'signalToRunning' | 'signalToNextNode',
  number[]
>;

/** When each awaited moment of a task came: `running#1`, `start:before`, `waiting`, `running#2`, ... */
class Arrivals {
  readonly #seen = new Map<string, number>();
  readonly #waiters = new Map<string, (at: number) => void>();
  readonly #runs = new Map<string, number>();

  /** A status event from the feed; `running` is numbered per run (#1, #2). */
  status(event: TaskEvent, at: number): void {
    if (event.type !== 'status') return;
    let name: string = event.status;
    if (event.status === 'running') {
      const run = (this.#runs.get(event.task_id) ?? 0) + 1;
      this.#runs.set(event.task_id, run);
      name = `running#${run}`;
    }
    this.arrive(event.task_id, name, at);
  }

  arrive(taskId: string, name: string, at: number): void {
    const key = `${taskId}:${name}`;
    const waiter = this.#waiters.get(key);
    this.#waiters.delete(key);
    if (waiter) waiter(at);
    else this.#seen.set(key, at);
  }

  /** Rejects when it did not come within LATE_MS: a bench must stop, not hang. */
  at(taskId: string, name: string): Promise<number> {
    const key = `${taskId}:${name}`;
    const seen = this.#seen.get(key);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const late = setTimeout(() => {
        this.#waiters.delete(key);
        reject(new Error(`${name} of task ${taskId} did not come within ${LATE_MS / 1000} s`));
      }, LATE_MS);
      this.#waiters.set(key, (at) => {
        clearTimeout(late);
        resolve(at);
      });
    });
  }

  forget(taskId: string): void {
    for (const key of this.#seen.keys()) if (key.startsWith(taskId)) this.#seen.delete(key);
    this.#runs.delete(taskId);
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function signalLatencies(databaseUrl: string, samples: number): Promise<SignalLatencies> {
  const { url } = await resolveWorkflowsModule(WAIT_WORKFLOWS_MODULE);
  const system = await createTaskSystem({ databaseUrl, logger: pino({ level: 'warn' }) });
  const controller = new AbortController();
  const arrivals = new Arrivals();
  const latencies: SignalLatencies = {
    submitToRunning: [],
    submitToFirstNode: [],
    signalToRunning: [],
    signalToNextNode: [],
  };
  nodeStarts.listener = (taskId, node, at) => arrivals.arrive(taskId, `start:${node}`, at);
  try {
    await system.startWorker({ concurrency: 4, workflowsModule: url });
    const feed = (async () => {
      const events = system.tasks.feed(caller, { signal: controller.signal, types: ['status'] });
      for await (const event of events) arrivals.status(event as TaskEvent, performance.now());
    })();
    for (let i = 0; i < samples + WARM_UP; i++) {
      const submitted = performance.now();
      const { task_id } = await system.tasks.submit(caller, {
        workflow: SIGNAL_WAIT_WORKFLOW,
        params: {},
        priority: 'normal',
      });
      const firstRunning = await arrivals.at(task_id, 'running#1');
      const firstNode = await arrivals.at(task_id, 'start:before');
      await arrivals.at(task_id, 'waiting');
      // The suspend's transaction and the slot's release settle: the worker is idle again.
      await pause(5);
      const signalled = performance.now();
      const answer = await system.tasks.signal(caller, { task_id, name: SIGNAL_NAME, payload: {} });
      if (answer.taken !== 'resumed') throw new Error(`signal was ${answer.taken}, not resumed`);
      const resumedRunning = await arrivals.at(task_id, 'running#2');
      const nextNode = await arrivals.at(task_id, 'start:after');
      await arrivals.at(task_id, 'completed');
      arrivals.forget(task_id);
      if (i >= WARM_UP) {
        latencies.submitToRunning.push(firstRunning - submitted);
        latencies.submitToFirstNode.push(firstNode - submitted);
        latencies.signalToRunning.push(resumedRunning - signalled);
        latencies.signalToNextNode.push(nextNode - signalled);
      }
      await pause(5);
    }
    controller.abort();
    await feed;
  } finally {
    nodeStarts.listener = undefined;
    controller.abort();
    await system.close();
  }
  for (const list of Object.values(latencies)) list.sort((a, b) => a - b);
  return latencies;
}
