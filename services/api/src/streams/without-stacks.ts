import type { TaskEvent } from '@kaygraph/contracts';

type WithError = { error?: unknown };

/** The error without its `stack`, which names server paths; the same object when there is none. */
function errorWithoutStack<T>(error: T): T {
  if (!error || typeof error !== 'object' || !('stack' in error)) return error;
  const { stack: _stack, ...rest } = error;
  return rest as T;
}

/**
 * A task event as streams send it: a status event's error loses its stack (it stays in the database
 * and the worker's log). Events without one are returned as they are.
 */
export function withoutStack<T extends TaskEvent | WithError>(event: T): T {
  if (!('error' in event) || !event.error) return event;
  const error = errorWithoutStack(event.error);
  return error === event.error ? event : { ...event, error };
}

/** A group event: its task event without a stack. */
export function groupEventWithoutStack<T extends { type: string; event?: unknown }>(event: T): T {
  if (event.type !== 'task' || !event.event || typeof event.event !== 'object') return event;
  const inner = withoutStack(event.event as WithError);
  return inner === event.event ? event : { ...event, event: inner };
}
