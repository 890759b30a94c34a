import type {
  ProgressEvent,
  SubmitTaskInput,
  TaskEvent,
  TaskResultView,
  WaitingEvent,
} from '@kaygraph/contracts';
import type { TRPCClient } from '@trpc/client';
import { ClientClosedError } from './client-closed.ts';
import type { AppRouter } from './server-types.ts';
import { watchTask } from './watch.ts';

export interface SubmitAndWaitOptions {
  /**
   * Progress events as the task stores them: the first at once, then at most one per 100 ms. The task's
   * final progress (100 on completion) arrives on its `completed` status event (see `onEvent`).
   */
  onProgress?: ((event: ProgressEvent) => void) | undefined;
  /**
   * The task began to wait (`wait`: for a signal, a time or its children) and holds no worker until
   * the wait ends; `waiting` is not terminal, so this keeps following it. Send the signal from here
   * (`client.signal(event.task_id, ...)`) when the same program decides.
   */
  onWaiting?: ((event: WaitingEvent) => void) | undefined;
  /** Every event (status, progress, log, wait) as it arrives. */
  onEvent?: ((event: TaskEvent) => void) | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * Submits a task, follows it live, and returns its outcome once terminal (through any `waiting`).
 * Failed and cancelled tasks are returned too (look at `status` and `error`); only API errors throw,
 * and a ClientClosedError naming the task when its client is closed (`closed`) before the end.
 *
 * @example
 * const outcome = await client.submitAndWait({ workflow: 'demo', params: {} }, {
 *   onProgress: (p) => console.log(`${p.progress}% ${p.message ?? ''}`),
 * });
 */
export async function submitAndWait(
  trpc: TRPCClient<AppRouter>,
  input: SubmitTaskInput,
  opts: SubmitAndWaitOptions = {},
  closed?: AbortSignal,
): Promise<TaskResultView> {
  // A closed client submits nothing: the task could not be followed.
  if (closed?.aborted) throw new ClientClosedError();
  const submitted = await trpc.tasks.submit.mutate(input, { signal: opts.signal });
  return waitForTask(trpc, submitted.task_id, opts, closed);
}

/**
 * Follows a task submitted earlier (anywhere) live until it ends, and returns its outcome, as
 * `submitAndWait` does after its submit: an already finished task's at once, failed and cancelled ones
 * too. A task that does not exist (or is another owner's) is a 404 `TRPCClientError`.
 *
 * @example
 * const outcome = await client.waitFor(taskId, { onProgress: (p) => console.log(p.progress) });
 */
export async function waitForTask(
  trpc: TRPCClient<AppRouter>,
  taskId: string,
  opts: SubmitAndWaitOptions = {},
  closed?: AbortSignal,
): Promise<TaskResultView> {
  for await (const event of watchTask(trpc, taskId, { signal: opts.signal }, closed)) {
    opts.onEvent?.(event);
    if (event.type === 'progress') opts.onProgress?.(event);
    else if (event.type === 'waiting') opts.onWaiting?.(event);
  }
  opts.signal?.throwIfAborted();
  return trpc.tasks.result.query({ task_id: taskId }, { signal: opts.signal });
}
