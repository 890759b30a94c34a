import { DomainError, isTerminalStatus, type SignalTaskOutput } from '@kaygraph/contracts';
import type { Caller } from '../caller.ts';
import type { TaskContext } from '../context.ts';
import type { Transaction } from '../db.ts';
import type { QueueRef } from '../store/jobs.ts';
import { readSignalKey, rememberSignalKey, type SignalAnswer } from '../store/signal-keys.ts';
import { keepSignal, lockSignalTarget, resumeTasks, type SignalTarget, signalEvent } from '../store/waits.ts';
import { runTransaction } from '../transaction.ts';
import { loadVisibleTask } from '../visibility.ts';
import { cancelWaitingJobs } from './control.ts';
import { parseSignalInput, prepareSignal } from './validate-signal.ts';

/**
 * Sends a signal to a task: another owner's task is NOT_FOUND, a payload that does not match the
 * workflow's declared schema is a 400 with nothing written, and the task's row lock decides the rest
 * (`deliver`): a repeat of an idempotency key gets the first answer, else the signal ends the task's
 * wait, is kept for a wait to come, or is a CONFLICT.
 */
export async function signalTask(ctx: TaskContext, caller: Caller, raw: unknown): Promise<SignalTaskOutput> {
  const input = parseSignalInput(raw);
  const task = await loadVisibleTask(ctx.db, caller, input.task_id);
  // Checked against the version the task was validated against: the code that runs it declared these.
  const workflow = await ctx.workflows.version(task.workflow, task.workflowVersion);
  const payload = prepareSignal(workflow, task.workflow, input.name, input.payload);
  const signal = { taskId: task.id, name: input.name, payload, key: input.idempotency_key ?? null };
  const delivery = await runTransaction(ctx.db, (tx) => deliverOnce(ctx, tx, signal));
  // The ended wait's deadline timer would only be completed unclaimed when it comes due: cancel it now.
  await cancelWaitingJobs(ctx, delivery.timer ? [delivery.timer] : []);
  return { task_id: task.id, name: input.name, ...delivery.answer };
}

/** A validated signal for a task; `key`: its idempotency key, null without one. */
interface Signal {
  taskId: string;
  name: string;
  payload: unknown;
  key: string | null;
}

/** What a signal did; `timer`: the ended wait's timer job, for the caller to cancel after commit. */
interface SignalDelivery {
  answer: Omit<SignalTaskOutput, 'task_id' | 'name'>;
  timer: (QueueRef & { jobId: string }) | null;
}

/**
 * Under the task's row lock, a key already used on the task answers as its first signal did and writes
 * nothing (with another name or payload: CONFLICT naming the key); otherwise the signal is delivered and
 * its key, if any, remembered with the answer in the same transaction.
 */
async function deliverOnce(ctx: TaskContext, tx: Transaction, signal: Signal): Promise<SignalDelivery> {
  const { taskId, name, payload, key } = signal;
  const task = await lockSignalTarget(tx, taskId, name);
  if (!task) throw new DomainError('NOT_FOUND', `task ${taskId} not found`);
  const used = key === null ? undefined : await readSignalKey(tx, taskId, key, payload);
  if (used && key !== null) {
    // A repeat: the first answer, no write and no event, whatever the task did since.
    assertSameSignal(key, used, name);
    return { answer: { taken: used.taken, status: used.status, deduplicated: true }, timer: null };
  }
  const delivery = await deliver(ctx, tx, taskId, name, payload, task);
  if (key !== null) await rememberSignalKey(tx, { taskId, key, name, payload }, delivery.answer);
  return { answer: { ...delivery.answer, deduplicated: false }, timer: delivery.timer };
}

/** A key names one signal: used again with another name or payload, it is a CONFLICT naming it. */
function assertSameSignal(key: string, used: { name: string; samePayload: boolean }, name: string): void {
  const mismatch =
    used.name !== name
      ? `was sent with the signal "${used.name}", not "${name}"`
      : !used.samePayload
        ? `was sent with another payload of the signal "${name}"`
        : null;
  if (!mismatch) return;
  throw new DomainError('CONFLICT', `idempotency key "${key}" ${mismatch}; a key names one signal`, {
    issues: [{ path: 'idempotency_key', message: 'already used for another signal to this task' }],
  });
}

/**
 * Under the task's row lock (`task`, read once it is held), a signal ends the task's wait for `name`
 * (before the deadline), or is kept for a wait to come when the task is unfinished, not waiting for it,
 * holds no kept signal of that name, and its wait for `name` did not just end (`resume` pending, the resumed run not yet past it). Anything
 * else is a CONFLICT, so of signals racing for one wait exactly one is taken, while a signal for a later
 * wait sent during the resumed run is kept.
 */
async function deliver(
  ctx: TaskContext,
  tx: Transaction,
  taskId: string,
  name: string,
  payload: unknown,
  task: SignalTarget,
): Promise<{ answer: SignalAnswer; timer: SignalDelivery['timer'] }> {
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
