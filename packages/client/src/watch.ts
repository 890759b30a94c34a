import type { TaskEvent } from '@kaygraph/contracts';
import { type TRPCClient, TRPCClientError } from '@trpc/client';
import { AsyncQueue } from './async-queue.ts';
import { ClientClosedError, isClientClosed } from './client-closed.ts';
import type { AppRouter } from './server-types.ts';

export interface WatchOptions {
  /** Resume after this event seq (events up to it are not repeated). */
  lastEventId?: number | undefined;
  signal?: AbortSignal | undefined;
  /** Delay before the n-th consecutive resubscribe after a failure. */
  retryDelayMs?: ((attempt: number) => number) | undefined;
  /**
   * Told when the connection to the api drops (`lost`, with why: the watch keeps trying) and when it is
   * back (`restored`); without it a watch waits silently while the api is away.
   */
  onConnection?: ((change: { state: 'lost' | 'restored'; error: unknown }) => void) | undefined;
}

/**
 * Network trouble and 5xx are worth retrying; a 4xx (unknown task, forbidden) is an answer, and so is
 * a closed client.
 */
export function isRetryable(error: unknown): boolean {
  if (isClientClosed(error)) return false;
  if (!(error instanceof TRPCClientError)) return true;
  const status: unknown = error.data?.httpStatus;
  return typeof status !== 'number' || status >= 500;
}

const defaultDelay = (attempt: number) => Math.min(200 * 2 ** attempt, 5_000);

/** Waits `ms`, or less if one of `signals` aborts first. */
function sleep(ms: number, signals: (AbortSignal | undefined)[]): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      for (const signal of signals) signal?.removeEventListener('abort', done);
      resolve();
    }
    for (const signal of signals) signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Every event of one task, in seq order and each once, until the server ends the subscription at the
 * task's terminal status (a `waiting` task is not done: its wait events arrive, then it runs again; the
 * `failed` of an attempt before a retry is not the end either). The WebSocket link resumes from the last
 * event id after a dropped connection; if the subscription itself fails with a retryable error, this
 * subscribes again from the last seq it delivered. Aborting `opts.signal` ends it quietly; closing its
 * client (`closed`) rejects it with a ClientClosedError, so that neither reads as the task's end.
 */
export async function* watchTask(
  trpc: TRPCClient<AppRouter>,
  taskId: string,
  opts: WatchOptions = {},
  closed?: AbortSignal,
): AsyncGenerator<TaskEvent, void, undefined> {
  const { signal } = opts;
  const delay = opts.retryDelayMs ?? defaultDelay;
  let lastSeq = opts.lastEventId ?? 0;
  let failures = 0;
  let lost = false;
  const connection = (state: { state: string; error: unknown }) => {
    if (state.state === 'connecting' && state.error && !lost) {
      lost = true;
      opts.onConnection?.({ state: 'lost', error: state.error });
    } else if (state.state === 'pending' && lost) {
      lost = false;
      opts.onConnection?.({ state: 'restored', error: null });
    }
  };
  while (!signal?.aborted) {
    if (closed?.aborted) throw new ClientClosedError(taskId);
    const queue = new AsyncQueue<TaskEvent>();
    const stop = () => queue.end();
    signal?.addEventListener('abort', stop, { once: true });
    const subscription = trpc.tasks.events.subscribe(
      { task_id: taskId, lastEventId: lastSeq > 0 ? String(lastSeq) : null },
      {
        onData: (tracked) => queue.push(tracked.data),
        onError: (error) => queue.fail(error),
        onComplete: () => queue.end(),
        onConnectionStateChange: connection,
      },
    );
    try {
      for (;;) {
        const next = await queue.next();
        if (next.done) return;
        const event = next.value;
        if (event.seq <= lastSeq) continue;
        lastSeq = event.seq;
        failures = 0;
        yield event;
      }
    } catch (error) {
      if (closed?.aborted || isClientClosed(error)) throw new ClientClosedError(taskId, { cause: error });
      if (signal?.aborted || !isRetryable(error)) throw error;
      await sleep(delay(failures++), [signal, closed]);
    } finally {
      subscription.unsubscribe();
      signal?.removeEventListener('abort', stop);
    }
  }
}
