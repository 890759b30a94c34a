import type { Caller } from '@kaygraph/tasks';
import type { Logger } from 'pino';
import type { Context } from '../context.ts';
import { requestLogger } from './request-context.ts';

/** A logger for lines about one task: `task_id` and `workflow` (and the request's `req_id`). */
export function taskLogger(base: Logger, task: { task_id: string; workflow?: string | undefined }): Logger {
  const bindings: Record<string, string> = { task_id: task.task_id };
  if (task.workflow) bindings.workflow = task.workflow;
  return requestLogger(base).child(bindings);
}

/** One task an action touched: its id and status, and its workflow when the input named it. */
export interface TaskActionLine {
  task_id: string;
  status: string;
  workflow?: string | undefined;
  priority?: string | undefined;
}

/**
 * Logs what callers do to tasks (submit, cancel, retry, promote, signal, remove) with the task id, the workflow, the owner
 * and the request id, so one grep follows a task from the request that created it. Called by the
 * procedures after the action succeeded; nothing is built when info lines are dropped.
 */
export function logTaskAction(
  ctx: { services: Context['services']; caller: Caller },
  message:
    | 'task submitted'
    | 'task cancelled'
    | 'task retried'
    | 'task promoted'
    | 'task signalled'
    | 'task removed',
  tasks: TaskActionLine[],
): void {
  const logger = ctx.services.taskLog;
  if (!logger?.isLevelEnabled('info')) return;
  const who = { owner: ctx.caller.owner, ...(ctx.caller.admin ? { admin: true } : {}) };
  const batch = tasks.length > 1 ? { batch: tasks.length } : {};
  for (const task of tasks) {
    const line = {
      ...who,
      status: task.status,
      ...batch,
      ...(task.priority ? { priority: task.priority } : {}),
    };
    taskLogger(logger, task).info(line, message);
  }
}
