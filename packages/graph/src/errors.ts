import type { NodeTotals } from './metrics-log.ts';
import type { NodeMetric } from './types.ts';

/** Thrown by `run()` when the signal aborts: between nodes, during a retry wait, or when an aborted exec fails. */
export class AbortedError extends Error {
  override name = 'AbortedError';
  /** The signal's reason (e.g. a timeout or a cancel marker), so callers can tell them apart. */
  readonly reason: unknown;
  /** Metrics of the node steps that ran before the abort (the most recent ones: see `RunResult`). */
  metrics: NodeMetric[] = [];
  /** Steps before those, left out of `metrics`. */
  metricsOmitted = 0;
  /** Every step summed per node. */
  metricsByNode: NodeTotals[] = [];

  constructor(reason?: unknown, options?: { cause?: unknown }) {
    super(describeReason(reason), options);
    this.reason = reason;
  }
}

/**
 * A mistake in how a graph is built or resumed (an edge to something that is not a node, duplicate ids,
 * an unknown checkpoint node). Building the same graph again fails the same way, so it is not retried.
 */
export class GraphError extends Error {
  override name = 'GraphError';
  readonly retriable = false;
}

/**
 * A checkpoint this graph cannot resume from: it names a node the graph lacks, or waits inside a node that is
 * not a graph here. The checkpoint was written by a graph built differently (another build of the workflow).
 */
export class ResumeMismatchError extends GraphError {
  override name = 'ResumeMismatchError';
}

/**
 * Whether retrying cannot fix the error: it is named `NonRetriableError` or carries `retriable: false`.
 * A node's retries stop at such an error, and the task runtime fails the task without retries.
 *
 * @example
 * if (isNonRetriable(error)) return 'give-up';
 */
export function isNonRetriable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, retriable } = error as { name?: unknown; retriable?: unknown };
  return name === 'NonRetriableError' || retriable === false;
}

export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new Error(typeof value === 'string' ? value : `Non-error thrown: ${String(value)}`, {
    cause: value,
  });
}

export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new AbortedError(signal.reason);
}

function describeReason(reason: unknown): string {
  if (reason instanceof Error && reason.message) return `Run aborted: ${reason.message}`;
  if (typeof reason === 'string' && reason) return `Run aborted: ${reason}`;
  return 'Run aborted';
}
