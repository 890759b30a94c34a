import { openSession, type Session } from '@kaygraph/db';
import { tryLockSlots, unlockSlot } from '../store/slots.ts';

/**
 * Cluster-wide cap on running tasks per workflow (`defaults.concurrency`), with session advisory locks: a
 * workflow limited to N has N slots `(hash(workflow), 0..N-1)`, and a worker holds one slot's lock on a
 * session of its own for as long as it runs a task of that workflow. A worker that dies drops its session,
 * and PostgreSQL frees its slots at once. Chosen over pg-boss' `groupConcurrency`, whose active-count check
 * is not serialized between concurrent fetches on different workers.
 *
 * A lost connection ends the session and its locks; the next statement runs on a new one. Advisory locks
 * are re-entrant per session, so slots this process counts as held (its tasks run on) stay excluded
 * explicitly until those tasks end; unlocking them then is a no-op.
 */
export class ConcurrencyGate {
  readonly #session: Session;
  readonly #held = new Map<string, Set<number>>();

  constructor(databaseUrl: string) {
    this.#session = openSession(databaseUrl, { applicationName: 'kaygraph-slots' });
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

  async release(workflow: string, slots: readonly number[]): Promise<void> {
    const held = this.#held.get(workflow);
    for (const slot of slots) {
      // Still counted as held while it unlocks: an acquire in between must not lock it on a new session
      // (after a lost connection) only to have this unlock take that lock away.
      try {
        await unlockSlot(this.#session.sql, workflow, slot);
      } finally {
        held?.delete(slot);
      }
    }
  }

  /** Frees every slot: the session ends, and its locks with it. */
  async close(): Promise<void> {
    this.#held.clear();
    await this.#session.close();
  }
}
