import { openSession, type Session } from '@kaygraph/db';
import type { Logger } from 'pino';
import { freeSlotAndWake, relockSlots, tryLockSlots, unlockSlot } from '../store/slots.ts';

/**
 * Cluster-wide cap on running tasks per workflow (`defaults.concurrency`), with session advisory locks: a
 * workflow limited to N has N slots `(hash(workflow), 0..N-1)`, and a worker holds one slot's lock on a
 * session of its own for as long as it runs a task of that workflow. A worker that dies drops its session,
 * and PostgreSQL frees its slots at once. Chosen over pg-boss' `groupConcurrency`, whose active-count check
 * is not serialized between concurrent fetches on different workers.
 *
 * A lost connection ends the session and its locks; the gate then locks the slots its running tasks hold
 * again on a new session, as soon as the database answers (a slot another worker took meanwhile stays
 * counted here until its task ends: the limit is exceeded for that long, and a warning says so). Advisory
 * locks are re-entrant per session, so slots this process counts as held are excluded explicitly.
 */
export class ConcurrencyGate {
  readonly #session: Session;
  readonly #logger: Logger;
  readonly #held = new Map<string, Set<number>>();
  #closed = false;

  constructor(databaseUrl: string, logger: Logger) {
    this.#logger = logger;
    this.#session = openSession(databaseUrl, {
      applicationName: 'kaygraph-slots',
      onEnded: () => void this.#relockHeld(),
    });
  }

  /** After a lost session: locks the held slots again, on the new session (queued until it connects). */
  async #relockHeld(): Promise<void> {
    for (const [workflow, held] of this.#held) {
      if (this.#closed || held.size === 0) continue;
      const wanted = [...held];
      try {
        const back = new Set(await relockSlots(this.#session.sql, workflow, wanted));
        // Those released meanwhile are no longer held: unlocking them then ran before this lock.
        for (const slot of back) if (!held.has(slot)) await unlockSlot(this.#session.sql, workflow, slot);
        const lost = wanted.filter((slot) => held.has(slot) && !back.has(slot));
        if (lost.length > 0)
          this.#logger.warn(
            { workflow, slots: lost },
            'concurrency slots were taken by another worker while the database was away: the limit is exceeded until these tasks end',
          );
      } catch (error) {
        // The session ended again: its own end runs this again.
        this.#logger.debug({ err: error, workflow }, 'locking concurrency slots again failed');
      }
    }
  }

  /** Takes up to `want` free slots of `workflow` (limit `limit`); returns the slot numbers taken. */
  async acquire(workflow: string, limit: number, want: number): Promise<number[]> {
    const held = this.#held.get(workflow) ?? new Set<number>();
    this.#held.set(workflow, held);
    const room = Math.min(want, limit - held.size);
    if (room <= 0) return [];
    const slots = await tryLockSlots(this.#session.sql, workflow, limit, [...held], room);
    for (const slot of slots) held.add(slot);
    return slots;
  }

  /** Frees slots no task ran in (a fetch found fewer jobs, or a job's task did not start): silently. */
  async release(workflow: string, slots: readonly number[]): Promise<void> {
    for (const slot of slots) await this.#free(workflow, slot, unlockSlot);
  }

  /** Frees the slot a task ran in and wakes the workflow's dispatchers on every worker. */
  async releaseAfterTask(workflow: string, slot: number): Promise<void> {
    await this.#free(workflow, slot, freeSlotAndWake);
  }

  async #free(
    workflow: string,
    slot: number,
    unlock: (session: Session['sql'], workflow: string, slot: number) => Promise<void>,
  ): Promise<void> {
    // Still counted as held while it unlocks: an acquire in between must not lock it on a new session
    // (after a lost connection) only to have this unlock take that lock away.
    try {
      await unlock(this.#session.sql, workflow, slot);
    } finally {
      this.#held.get(workflow)?.delete(slot);
    }
  }

  /** Frees every slot: the session ends, and its locks with it. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#held.clear();
    await this.#session.close();
  }
}
