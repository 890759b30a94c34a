import type postgres from 'postgres';

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

  /** Takes up to `want` free slots of `workflow` (limit `limit`); returns the slot numbers taken. */
  async acquire(workflow: string, limit: number, want: number): Promise<number[]> {
    const held = this.#held.get(workflow) ?? new Set<number>();
    this.#held.set(workflow, held);
    const room = Math.min(want, limit - held.size);
    if (room <= 0) return [];
    const session = await this.#session();
    const rows = await session<{ slot: number }[]>`
      select s as slot from generate_series(0, ${limit - 1}::int) s
      where s <> all(${[...held]}::int[]) and pg_try_advisory_lock(hashtext(${`kaygraph.wf:${workflow}`}), s)
      limit ${room}`;
    const slots = rows.map((row) => row.slot);
    for (const slot of slots) held.add(slot);
    return slots;
  }

  async release(workflow: string, slots: readonly number[]): Promise<void> {
    if (slots.length === 0) return;
    const held = this.#held.get(workflow);
    const session = await this.#session();
    for (const slot of slots) {
      held?.delete(slot);
      await session`select pg_advisory_unlock(hashtext(${`kaygraph.wf:${workflow}`}), ${slot}::int)`;
    }
  }

  /** Frees every slot (the connection goes back to the pool, so its session locks must go first). */
  async close(): Promise<void> {
    const connection = this.#connection;
    this.#connection = undefined;
    this.#held.clear();
    if (!connection) return;
    try {
      await connection`select pg_advisory_unlock_all()`;
    } finally {
      connection.release();
    }
  }
}
