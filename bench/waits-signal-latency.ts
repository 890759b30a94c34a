/**
 * Signal -> the node after the wait running, on an idle worker, in process (TaskService + worker, as the
 * lifecycle bench's submit -> running). One `bench_signal_wait` task at a time: submit, its node `before`
 * reports progress, it waits; then `tasks.signal()` resumes it and its node `after` reports progress. Timed
 * from before the call to the event's arrival on the event feed (`tasks.feed`): signal -> the resumed run's
 * `running` event and -> the progress event of `after`, beside submit -> `running` and -> the progress
 * event of `before` of the same tasks (the baseline: the same path without a wait).
 */
import type { TaskEvent } from '@kaygraph/contracts';
import { createTaskSystem, resolveWorkflowsModule } from '@kaygraph/tasks';
import pino from 'pino';
import { SIGNAL_NAME, SIGNAL_WAIT_WORKFLOW, WAIT_WORKFLOWS_MODULE } from './wait-workflows.ts';

const caller = { owner: 'bench', admin: false };
/** The first samples warm up the pools and caches. */
const WARM_UP = 20;

/** Milliseconds, ascending. */
export type SignalLatencies = Record<
  'submitToRunning' | 'submitToFirstNode' | 'signalToRunning' | 'signalToNextNode',
  number[]
>;

/** When each awaited event of a task arrived: `running#1`, `progress:before`, `waiting`, ... */
class Arrivals {
  readonly #seen = new Map<string, number>();
  readonly #waiters = new Map<string, (at: number) => void>();
  readonly #runs = new Map<string, number>();

  record(event: TaskEvent, at: number): void {
    if (event.type === 'status') {
      let key = `${event.task_id}:${event.status}`;
      if (event.status === 'running') {
        const run = (this.#runs.get(event.task_id) ?? 0) + 1;
        this.#runs.set(event.task_id, run);
        key = `${key}#${run}`;
      }
      this.#arrive(key, at);
    } else if (event.type === 'progress' && event.step) {
      this.#arrive(`${event.task_id}:progress:${event.step}`, at);
    }
  }

  /** When `event` (`running#1`, `progress:after`, `completed`, ...) of `taskId` arrives. */
  at(taskId: string, event: string): Promise<number> {
    const key = `${taskId}:${event}`;
    const seen = this.#seen.get(key);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve) => this.#waiters.set(key, resolve));
  }

  forget(taskId: string): void {
    for (const key of this.#seen.keys()) if (key.startsWith(taskId)) this.#seen.delete(key);
    this.#runs.delete(taskId);
  }

  #arrive(key: string, at: number): void {
    const waiter = this.#waiters.get(key);
    this.#waiters.delete(key);
    if (waiter) waiter(at);
    else this.#seen.set(key, at);
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function signalLatencies(databaseUrl: string, samples: number): Promise<SignalLatencies> {
  const { catalog, url } = await resolveWorkflowsModule(WAIT_WORKFLOWS_MODULE);
  const system = await createTaskSystem({ databaseUrl, catalog, logger: pino({ level: 'warn' }) });
  const controller = new AbortController();
  const arrivals = new Arrivals();
  const latencies: SignalLatencies = {
    submitToRunning: [],
    submitToFirstNode: [],
    signalToRunning: [],
    signalToNextNode: [],
  };
  try {
    await system.startWorker({ concurrency: 4, workflowsModule: url });
    const feed = (async () => {
      const events = system.tasks.feed(caller, {
        signal: controller.signal,
        types: ['status', 'progress'],
      });
      for await (const event of events) arrivals.record(event as TaskEvent, performance.now());
    })();
    for (let i = 0; i < samples + WARM_UP; i++) {
      const submitted = performance.now();
      const { task_id } = await system.tasks.submit(caller, {
        workflow: SIGNAL_WAIT_WORKFLOW,
        params: {},
        priority: 'normal',
      });
      const firstRunning = await arrivals.at(task_id, 'running#1');
      const firstNode = await arrivals.at(task_id, 'progress:before');
      await arrivals.at(task_id, 'waiting');
      // The suspend's transaction and the slot's release settle: the worker is idle again.
      await pause(5);
      const signalled = performance.now();
      const answer = await system.tasks.signal(caller, { task_id, name: SIGNAL_NAME, payload: {} });
      if (answer.taken !== 'resumed') throw new Error(`signal was ${answer.taken}, not resumed`);
      const resumedRunning = await arrivals.at(task_id, 'running#2');
      const nextNode = await arrivals.at(task_id, 'progress:after');
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
    controller.abort();
    await system.close();
  }
  for (const list of Object.values(latencies)) list.sort((a, b) => a - b);
  return latencies;
}
