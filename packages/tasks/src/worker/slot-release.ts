import type { Logger } from 'pino';
import type { ConcurrencyGate } from './concurrency-gate.ts';
import type { DispatchedJob, Dispatcher } from './dispatcher.ts';

/** Gives back a job's slots: `ran` when its task ran; `capacityFreed` when its local slot went back already. */
export type SlotRelease = (dispatched: DispatchedJob, ran: boolean, capacityFreed?: boolean) => Promise<void>;

/**
 * A job's slots going back. A task that ran frees its gate slot with a wake-up for every worker (`task_queued`)
 * and wakes this dispatcher too, without waiting for its own LISTEN session; a job whose task did not start
 * frees it silently. A task with a concurrency key that ran (its job settled) wakes every worker the same
 * way through `wakeWorkers`: its key's next task may run now.
 */
export function slotRelease(
  gate: ConcurrencyGate,
  dispatcher: Dispatcher,
  logger: Logger,
  wakeWorkers: (workflow: string) => Promise<void>,
): SlotRelease {
  return async (dispatched, ran, capacityFreed = false) => {
    if (ran && dispatched.job.concurrencyGroup !== null) {
      const { workflow } = dispatched.queue;
      await wakeWorkers(workflow).catch((error: unknown) =>
        logger.warn({ err: error }, "waking workers for a concurrency key's next task failed"),
      );
      dispatcher.notify(workflow);
    }
    if (dispatched.slot !== null) {
      const { workflow } = dispatched.queue;
      const freeing = ran
        ? gate.releaseAfterTask(workflow, dispatched.slot)
        : gate.release(workflow, [dispatched.slot]);
      await freeing.catch((error: unknown) =>
        logger.warn({ err: error }, 'releasing a concurrency slot failed'),
      );
      if (ran) dispatcher.notify(workflow);
    }
    if (!capacityFreed) dispatcher.release();
  };
}
