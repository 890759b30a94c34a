import type { TaskStatus } from './common.ts';

// Types only at runtime: the dashboard's bundle and the CLI read it alike.

/** Statuses of a task that still needs a run (or another) by a worker of its workflow version. */
const NEEDS_A_RUN: ReadonlySet<TaskStatus> = new Set([
  'pending',
  'queued',
  'blocked',
  'scheduled',
  'waiting',
]);

/**
 * Whether a task in this status still needs a run (or another) by a worker of its version: only then
 * does its `version_state` say anything.
 */
export function taskNeedsARun(status: TaskStatus): boolean {
  return NEEDS_A_RUN.has(status);
}
