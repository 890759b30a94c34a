import type { Caller, TaskService } from '@kaygraph/tasks';
import type { Logger } from 'pino';
import { delegate } from '../rate-limit/delegate.ts';
import { requestLogger } from './request-context.ts';

/** A logger for lines about one task: `task_id` and `workflow` (and the request's `req_id`). */
export function taskLogger(base: Logger, task: { task_id: string; workflow?: string | undefined }): Logger {
  const bindings: Record<string, string> = { task_id: task.task_id };
  if (task.workflow) bindings.workflow = task.workflow;
  return requestLogger(base).child(bindings);
}

/**
 * Logs what callers do to tasks (submit, cancel, retry) with the task id, the workflow, the owner
 * and the request id, so one grep follows a task from the request that created it.
 */
export function withTaskLogging(tasks: TaskService, logger: Logger): TaskService {
  const who = (caller: Caller) => ({ owner: caller.owner, ...(caller.admin ? { admin: true } : {}) });
  // Child loggers cost more than a submit's own bookkeeping: none when info lines are dropped.
  const info = (task: Parameters<typeof taskLogger>[1], line: object, message: string) => {
    if (logger.isLevelEnabled('info')) taskLogger(logger, task).info(line, message);
  };
  return delegate(tasks, {
    submit: async (caller, input) => {
      const output = await tasks.submit(caller, input);
      info(
        { task_id: output.task_id, workflow: input.workflow },
        { ...who(caller), status: output.status, priority: input.priority },
        'task submitted',
      );
      return output;
    },
    submitMany: async (caller, inputs) => {
      const output = await tasks.submitMany(caller, inputs);
      output.tasks.forEach((task, index) => {
        info(
          { task_id: task.task_id, workflow: inputs[index]?.workflow },
          { ...who(caller), status: task.status, batch: inputs.length },
          'task submitted',
        );
      });
      return output;
    },
    cancel: async (caller, taskId) => {
      const output = await tasks.cancel(caller, taskId);
      info({ task_id: taskId }, { ...who(caller), status: output.status }, 'task cancelled');
      return output;
    },
    retry: async (caller, taskId) => {
      const output = await tasks.retry(caller, taskId);
      info({ task_id: taskId }, { ...who(caller), status: output.status }, 'task retried');
      return output;
    },
  });
}
