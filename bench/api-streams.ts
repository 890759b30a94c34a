/** Progress latency and WebSocket fan-out of the API benchmark (tRPC `tasks.events` and raw `/ws/{id}`). */
import { createClient } from '@kaygraph/client';
import type { TaskEvent } from '@kaygraph/contracts';
import { WebSocket } from 'ws';
import { rssMb } from './api-processes.ts';

export const SUBSCRIBERS = 1_000;

/**
 * The latency task's steps, each a progress event: about 200 samples, so the p99 is the 99th percentile
 * of a sample (with 40 it was their maximum, which moved by several ms from run to run).
 */
const LATENCY_STEPS = 200;
/** Above the worker's 100 ms progress interval, so every step's progress is written as it happens. */
const LATENCY_STEP_MS = 110;

/**
 * Runs a short task through a worker that has just been started and waits for its end: the worker's boot
 * (module loading, its thread pool) and first runs would otherwise land in the latency samples.
 */
export async function warmUp(url: string): Promise<void> {
  using client = createClient({ url });
  const { task_id } = await client.tasks.submit.mutate({
    workflow: 'steps',
    params: { steps: 20, delay_ms: 10 },
  });
  for await (const _event of client.watch(task_id)) {
    // Drained to the end: the task has finished.
  }
}

export async function trpcLatencies(url: string): Promise<number[]> {
  using client = createClient({ url });
  const { task_id } = await client.tasks.submit.mutate({
    workflow: 'steps',
    params: { steps: LATENCY_STEPS, delay_ms: LATENCY_STEP_MS },
  });
  const latencies: number[] = [];
  for await (const event of client.watch(task_id)) {
    if (event.type === 'progress') latencies.push(Date.now() - Date.parse(event.at));
  }
  return latencies;
}

export async function rawSocketLatencies(url: string): Promise<number[]> {
  const submitted = await fetch(`${url}/tasks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ workflow: 'steps', params: { steps: LATENCY_STEPS, delay_ms: LATENCY_STEP_MS } }),
  });
  const { task_id } = (await submitted.json()) as { task_id: string };
  const latencies: number[] = [];
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/ws/${task_id}`);
  let live = false;
  await new Promise<void>((resolve, reject) => {
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { at?: string; status?: string };
      // Replayed history is not latency: count the updates after the `running` one (which the socket may
      // have been sent from the history, if the task started before it connected).
      if (live && message.at) latencies.push(Date.now() - Date.parse(message.at));
      if (message.status === 'running') live = true;
    });
    socket.on('close', () => resolve());
    socket.on('error', reject);
  });
  return latencies;
}

/** One raw `/ws/{id}` subscriber: the seqs of its messages (updates and events), then -1 for `done`. */
export function rawSocketSubscriber(url: string, taskId: string): Promise<number[]> {
  return new Promise<number[]>((resolve, reject) => {
    const seqs: number[] = [];
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/ws/${taskId}`);
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { seq?: number; done?: boolean };
      if (message.seq !== undefined) seqs.push(message.seq);
      if (message.done) seqs.push(-1);
    });
    socket.on('close', () => resolve(seqs));
    socket.on('error', reject);
  });
}

/** One typed-client subscriber (`tasks.events` over its own tRPC WebSocket): its event seqs, then -1. */
export async function trpcSubscriber(url: string, taskId: string): Promise<number[]> {
  using client = createClient({ url });
  const seqs: number[] = [];
  for await (const event of client.watch(taskId)) seqs.push(event.seq);
  seqs.push(-1);
  return seqs;
}

export async function fanOut(
  url: string,
  apiPid: number,
  subscribe: (url: string, taskId: string) => Promise<number[]>,
): Promise<{ complete: number; rss: number; rssBefore: number; events: number }> {
  const submitted = await fetch(`${url}/tasks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ workflow: 'steps', params: { steps: 40, delay_ms: 50, fail: false } }),
  });
  const { task_id } = (await submitted.json()) as { task_id: string };
  const rssBefore = await rssMb(apiPid);
  let peakRss = rssBefore;
  const sampler = setInterval(() => {
    rssMb(apiPid).then(
      (mb) => {
        peakRss = Math.max(peakRss, mb);
      },
      () => {},
    );
  }, 50);
  const runs = await Promise.all(Array.from({ length: SUBSCRIBERS }, () => subscribe(url, task_id)));
  clearInterval(sampler);
  const expected: TaskEvent[] = [];
  using client = createClient({ url });
  for await (const event of client.watch(task_id)) expected.push(event);
  const want = JSON.stringify([...expected.map((event) => event.seq), -1]);
  const complete = runs.filter((seqs) => JSON.stringify(seqs) === want).length;
  return { complete, rss: peakRss, rssBefore, events: expected.length };
}
