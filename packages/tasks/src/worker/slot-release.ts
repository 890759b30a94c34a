import type { Logger } from 'pino';
import type { ConcurrencyGate } from './concurrency-gate.ts';
import type { DispatchedJob, Dispatcher } from './dispatcher.ts';

/** Gives back a job's slots: `ran` when its task ran; `capacityFreed` when its local slot went back already. */
export type SlotRelease = (dispatched: DispatchedJob, ran: boolean, capacityFreed?: boolean) => Promise<void>;

/**
 * A job's slots going back. A task that ran frees its gate slot with a wake-up for every worker (`task_queued`)
 * and wakes this dispatcher too, without waiting for its own LISTEN session; a job whose task did not start
 * frees it silently.
 */
export function slotRelease(gate: ConcurrencyGate, dispatcher: Dispatcher, logger: Logger): SlotRelease {
  return async (dispatched, ran, capacityFreed = false) => {
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
