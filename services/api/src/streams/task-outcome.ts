import type { TaskStreamDone, TerminalStatus } from '@kaygraph/contracts';
import { isTerminalStatus } from '@kaygraph/contracts';
import type { Caller, TaskService } from '@kaygraph/tasks';

/** The final message of every task stream, from the stored result. Null if the task is not terminal. */
export async function loadTaskOutcome(
  tasks: TaskService,
  caller: Caller,
  taskId: string,
): Promise<TaskStreamDone | null> {
  const view = await tasks.result(caller, taskId);
  if (!isTerminalStatus(view.status)) return null;
  return {
    task_id: view.task_id,
    done: true,
    final_status: view.status as TerminalStatus,
    result: view.result ?? null,
    error: view.error,
  };
}

/** `Last-Event-ID` / `last_event_id`: a non-negative integer seq, or undefined when absent or malformed. */
export function parseSeq(value: string | string[] | null | undefined): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text === null || !/^\d{1,15}$/.test(text)) return undefined;
  return Number(text);
}
