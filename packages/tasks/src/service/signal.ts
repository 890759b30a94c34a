import { DomainError, isTerminalStatus, type SignalTaskOutput } from '@kaygraph/contracts';
import type { Caller } from '../caller.ts';
import type { TaskContext } from '../context.ts';
import type { Transaction } from '../db.ts';
import type { QueueRef } from '../store/jobs.ts';
import { keepSignal, lockSignalTarget, resumeTasks, type SignalTarget, signalEvent } from '../store/waits.ts';
import { runTransaction } from '../transaction.ts';
import { loadVisibleTask } from '../visibility.ts';
import { cancelWaitingJobs } from './control.ts';
import { parseSignalInput, prepareSignal } from './validate-signal.ts';

/**
 * Sends a signal to a task: another owner's task is NOT_FOUND, a payload that does not match the
 * workflow's declared schema is a 400 with nothing written, and the task's row lock decides the rest
 * (`deliver`): the signal ends the task's wait, is kept for a wait to come, or is a CONFLICT.
 */
export async function signalTask(ctx: TaskContext, caller: Caller, raw: unknown): Promise<SignalTaskOutput> {
  const input = parseSignalInput(raw);
  const task = await loadVisibleTask(ctx.db, caller, input.task_id);
  // Checked against the version the task was validated against: the code that runs it declared these.
  const workflow = await ctx.workflows.version(task.workflow, task.workflowVersion);
  const payload = prepareSignal(workflow, task.workflow, input.name, input.payload);
  const delivery = await runTransaction(ctx.db, (tx) => deliver(ctx, tx, task.id, input.name, payload));
  // The ended wait's deadline timer would only be completed unclaimed when it comes due: cancel it now.
  await cancelWaitingJobs(ctx, delivery.timer ? [delivery.timer] : []);
  return { task_id: task.id, name: input.name, ...delivery.answer };
}

/** What a signal did; `timer`: the ended wait's timer job, for the caller to cancel after commit. */
interface SignalDelivery {
  answer: Omit<SignalTaskOutput, 'task_id' | 'name'>;
  timer: (QueueRef & { jobId: string }) | null;
}

/**
 * Under the task's row lock, a signal ends the task's wait for `name` (before the deadline), or is kept
 * for a wait to come when the task is unfinished, not waiting for it, holds no kept signal of that name,
 * and its wait for `name` did not just end (`resume` pending, the resumed run not yet past it). Anything
 * else is a CONFLICT, so of signals racing for one wait exactly one is taken, while a signal for a later
 * wait sent during the resumed run is kept.
 */
async function deliver(
  ctx: TaskContext,
  tx: Transaction,
  taskId: string,
  name: string,
  payload: unknown,
): Promise<SignalDelivery> {
  const task = await lockSignalTarget(tx, taskId, name);
  if (!task) throw new DomainError('NOT_FOUND', `task ${taskId} not found`);
  const waitsForIt = task.status === 'waiting' && task.wait?.kind === 'signal' && task.wait.signal === name;
  if (waitsForIt && task.past_deadline) {
    throw new DomainError(
      'CONFLICT',
      `task ${taskId} stopped waiting for the signal "${name}": its deadline passed`,
    );
  }
  if (waitsForIt) {
    await resumeTasks(ctx, tx, [
      {
        taskId,
        resume: { kind: 'signal', name, payload },
        events: [signalEvent(taskId, name, 'resumed', payload)],
      },
    ]);
    const timed = task.wait?.kind === 'signal' && task.wait.deadline !== null;
    const timer =
      timed && task.job_id
        ? { workflow: task.workflow, version: task.workflow_version, jobId: task.job_id }
        : null;
    return { answer: { taken: 'resumed', status: 'queued' }, timer };
  }
  if (isTerminalStatus(task.status) || task.ended_it || task.stored) {
    throw new DomainError('CONFLICT', conflictMessage(taskId, name, task));
  }
  await keepSignal(tx, taskId, name, payload);
  return { answer: { taken: 'stored', status: task.status as SignalTaskOutput['status'] }, timer: null };
}

function conflictMessage(taskId: string, name: string, task: SignalTarget): string {
  if (isTerminalStatus(task.status)) return `task ${taskId} is ${task.status}; it takes no signals`;
  if (task.stored) return `task ${taskId} already holds a signal "${name}" for its next wait`;
  return `task ${taskId} is not waiting for the signal "${name}": its last wait was already ended`;
}
