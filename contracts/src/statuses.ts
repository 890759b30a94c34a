/**
 * The task statuses as plain constants, without zod: the client's browser bundle imports these and
 * none of the schemas (common.ts builds `TaskStatus` from them).
 */
export const TASK_STATUSES = [
  'pending',
  'blocked',
  'scheduled',
  'queued',
  'running',
  /** Waits for a signal, a time or its children, holding no worker (see waits.ts). Not terminal. */
  'waiting',
  'completed',
  'failed',
  'cancelled',
] as const;

type TaskStatusName = (typeof TASK_STATUSES)[number];

export const TERMINAL_STATUSES = [
  'completed',
  'failed',
  'cancelled',
] as const satisfies readonly TaskStatusName[];
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];

export function isTerminalStatus(status: TaskStatusName): status is TerminalStatus {
  return (TERMINAL_STATUSES as readonly TaskStatusName[]).includes(status);
}
