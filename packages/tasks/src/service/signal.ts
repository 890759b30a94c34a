import type { SignalTaskOutput } from '@kaygraph/contracts';
import type { Caller } from '../caller.ts';
import type { TaskContext } from '../context.ts';
import { sendSignal } from '../store/waits.ts';
import { runTransaction } from '../transaction.ts';
import { loadVisibleTask } from '../visibility.ts';
import { cancelWaitingJobs } from './control.ts';
import { parseSignalInput, prepareSignal } from './validate-signal.ts';

/**
 * Sends a signal to a task: another owner's task is NOT_FOUND, a payload that does not match the
 * workflow's declared schema is a 400 with nothing written, and the task's row lock decides the rest
 * (store/waits.ts `sendSignal`): the signal ends the task's wait, is kept for a wait to come, or is a
 * CONFLICT.
 */
export async function signalTask(ctx: TaskContext, caller: Caller, raw: unknown): Promise<SignalTaskOutput> {
  const input = parseSignalInput(raw);
  const task = await loadVisibleTask(ctx.db, caller, input.task_id);
  // Checked against the version the task was validated against: the code that runs it declared these.
  const workflow = await ctx.workflows.version(task.workflow, task.workflowVersion);
  const payload = prepareSignal(workflow, task.workflow, input.name, input.payload);
  const delivery = await runTransaction(ctx.db, (tx) => sendSignal(ctx, tx, task.id, input.name, payload));
  // The ended wait's deadline timer would only be completed unclaimed when it comes due: cancel it now.
  await cancelWaitingJobs(ctx, delivery.timer ? [delivery.timer] : []);
  return { task_id: task.id, name: input.name, ...delivery.answer };
}
