import type postgres from 'postgres';
import { isConnectionLost } from '../connection-lost.ts';
import { tryLockSlots, unlockAllSlots, unlockSlot } from '../store/slots.ts';

/**
 * Cluster-wide cap on running tasks per workflow (`defaults.concurrency`), with session advisory locks: a
 * workflow limited to N has N slots `(hash(workflow), 0..N-1)`, and a worker holds one slot's lock on its
 * own reserved connection for as long as it runs a task of that workflow. A worker that dies drops its
 * connection, and PostgreSQL frees its slots at once. Chosen over pg-boss' `groupConcurrency`, whose
 * active-count check is not serialized between concurrent fetches on different workers.
 *
 * Advisory locks are re-entrant per session, so slots this process already holds are excluded explicitly.
 */
export class ConcurrencyGate {
  readonly #sql: postgres.Sql;
  #connection: postgres.ReservedSql | undefined;
  readonly #held = new Map<string, Set<number>>();

  constructor(sql: postgres.Sql) {
    this.#sql = sql;
  }

  async #session(): Promise<postgres.ReservedSql> {
    if (!this.#connection) this.#connection = await this.#sql.reserve();
    return this.#connection;
  }

  /**
   * Runs statements on the gate's session. A session the server dropped (a restart) is forgotten, so the
   * next call reserves a new one instead of failing forever; its advisory locks died with it. Slots this
   * process still counts as held stay excluded until their tasks end (unlocking them then is a no-op).
   */
  async #onSession<T>(run: (session: postgres.ReservedSql) => Promise<T>): Promise<T> {
    const session = await this.#session();
    try {
      return await run(session);
    } catch (error) {
      // Not released: postgres.js already moved the dead connection to its closed ones (it reconnects it
      // when needed), and release() would hand it out as an open connection.
      if (isConnectionLost(error) && this.#connection === session) this.#connection = undefined;
      throw error;
    }
  }

  /** Takes up to `want` free slots of `workflow` (limit `limit`); returns the slot numbers taken. */
  async acquire(workflow: string, limit: number, want: number): Promise<number[]> {
    const held = this.#held.get(workflow) ?? new Set<number>();
    this.#held.set(workflow, held);
    const room = Math.min(want, limit - held.size);
    if (room <= 0) return [];
    const slots = await this.#onSession((session) => tryLockSlots(session, workflow, limit, [...held], room));
    for (const slot of slots) held.add(slot);
    return slots;
  }

  async release(workflow: string, slots: readonly number[]): Promise<void> {
    if (slots.length === 0) return;
    const held = this.#held.get(workflow);
    for (const slot of slots) {
      // Still counted as held while it unlocks: an acquire in between must not lock it on a new session
      // (after a restart) only to have this unlock take that lock away.
      try {
        await this.#onSession((session) => unlockSlot(session, workflow, slot));
      } finally {
        held?.delete(slot);
      }
    }
  }

  /** Frees every slot (the connection goes back to the pool, so its session locks must go first). */
  async close(): Promise<void> {
    const connection = this.#connection;
    this.#connection = undefined;
    this.#held.clear();
    if (!connection) return;
    try {
      await unlockAllSlots(connection);
    } finally {
      connection.release();
    }
  }
}
