import { AbortedError, type AnyNode } from '@kaygraph/graph';
import type { WorkflowServices } from './services/types.ts';

/**
 * What the task runtime passes as run params (`graph.run({}, { params })`); every node sees them
 * as `this.params`. Nothing here is checkpointed: the store holds data, the params hold handles.
 */
export interface WorkflowRunParams {
  services?: WorkflowServices;
  /** 1-based attempt of the task (retries count up). */
  attempt?: number;
  task_id?: string;
  owner?: string;
}

/** The services of the run; a clear error when the runtime did not provide them. */
export function servicesOf(node: { params: Record<string, unknown> }): WorkflowServices {
  const services = node.params.services as WorkflowServices | undefined;
  if (
    !services ||
    typeof services !== 'object' ||
    !services.artifacts ||
    !services.documents ||
    !services.tasks
  ) {
    throw new Error(
      'this workflow needs WorkflowServices: run its graph with { params: { services } } ' +
        '(e.g. createPostgresServices from @kaygraph/workflows)',
    );
  }
  return services;
}

/** The task's attempt (1 when run outside the runtime). */
export function attemptOf(node: { params: Record<string, unknown> }): number {
  const attempt = node.params.attempt;
  return typeof attempt === 'number' && Number.isInteger(attempt) && attempt >= 1 ? attempt : 1;
}

/** Stops a node between batches: cancellation, timeout or shutdown end the run as aborted. */
export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new AbortedError(signal.reason);
}

/** Links nodes in order with default edges; returns the first. */
export function chain<S>(first: AnyNode<S>, ...rest: AnyNode<S>[]): AnyNode<S> {
  let current = first;
  for (const node of rest) current = current.next(node);
  return first;
}

/** Waits `ms`, or rejects with AbortedError as soon as the signal aborts (the engine's own wait). */
export { sleep } from '@kaygraph/graph';

/** Lets the event loop run (so an abort message can arrive) in the middle of CPU-bound work. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
