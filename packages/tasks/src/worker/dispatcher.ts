import type { Logger } from 'pino';
import type { FetchedJob } from './task-store.ts';

export interface DispatchQueue {
  name: string;
  workflow: string;
  /** Cluster-wide running limit of the workflow (null: none). */
  concurrency: number | null;
}

export interface SlotGate {
  acquire(workflow: string, limit: number, want: number): Promise<number[]>;
  release(workflow: string, slots: readonly number[]): Promise<void>;
}

export interface DispatchedJob {
  queue: DispatchQueue;
  job: FetchedJob;
  /** Gate slot held for this job (release it when the task ends), or null. */
  slot: number | null;
}

/**
 * Fetches (and claims) up to `want` jobs of `queue` and starts them; `slots` are the gate slots taken for
 * them (the first N go to the N jobs). Resolves with the number of jobs fetched.
 */
export type TakeJobs = (queue: DispatchQueue, want: number, slots: readonly number[]) => Promise<number>;

/**
 * Fetches jobs into free local slots. Why not pg-boss `work()`: its loop fetches a batch, awaits the whole
 * batch, then sleeps its polling interval even when jobs remain (without burst mode, batchSize/interval
 * jobs per second per loop), and one long task in a batch holds its siblings' slots. Here a fetch asks for
 * exactly as many jobs as there are free slots, a freed slot triggers the next fetch at once, and a
 * queue is fetched again as long as its last fetch came back full. Wake-ups: the pg-boss NOTIFY of a new
 * job (LISTENed by the event bus), a freed slot, and a poll timer for jobs that become runnable without a
 * NOTIFY (retry backoff, `startAfter`).
 */
export class Dispatcher {
  readonly #queues: DispatchQueue[];
  readonly #gate: SlotGate;
  readonly #take: TakeJobs;
  readonly #logger: Logger;
  readonly #pollIntervalMs: number;
  #free: number;
  #dirty = new Set<string>();
  #pumping = false;
  #again = false;
  #stopped = false;
  #rotation = 0;
  #timer: NodeJS.Timeout | undefined;
  #idle: Promise<void> = Promise.resolve();

  constructor(options: {
    queues: DispatchQueue[];
    capacity: number;
    gate: SlotGate;
    take: TakeJobs;
    logger: Logger;
    pollIntervalMs: number;
  }) {
    this.#queues = options.queues;
    this.#free = options.capacity;
    this.#gate = options.gate;
    this.#take = options.take;
    this.#logger = options.logger;
    this.#pollIntervalMs = options.pollIntervalMs;
  }

  start(): void {
    this.#timer = setInterval(() => this.markAllDirty(), this.#pollIntervalMs);
    this.markAllDirty();
  }

  /** A job landed on `queue` (pg-boss NOTIFY). */
  notify(queue: string): void {
    if (!this.#queues.some((candidate) => candidate.name === queue)) return;
    this.#dirty.add(queue);
    this.#kick();
  }

  markAllDirty(): void {
    for (const queue of this.#queues) this.#dirty.add(queue.name);
    this.#kick();
  }

  /** A task ended: its slot is free again. */
  release(): void {
    this.#free++;
    this.#kick();
  }

  get freeSlots(): number {
    return this.#free;
  }

  /** Stops fetching; resolves when no fetch is in flight. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#idle;
  }

  #kick(): void {
    if (this.#stopped) return;
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = true;
    // One turn of the event loop first: slots freed together (a batch of outcomes committed at once) and
    // NOTIFYs that arrive together become one fetch.
    this.#idle = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.#pump())
      .finally(() => {
        this.#pumping = false;
      });
  }

  async #pump(): Promise<void> {
    do {
      this.#again = false;
      const order = this.#queues.map((_, i) => this.#queues[(i + this.#rotation) % this.#queues.length]);
      this.#rotation++;
      for (const queue of order) {
        if (!queue || this.#stopped || this.#free <= 0) break;
        if (!this.#dirty.has(queue.name)) continue;
        // Cleared before the fetch: a NOTIFY that arrives while it runs (a job it may not see) marks the
        // queue again, and the loop goes round once more.
        this.#dirty.delete(queue.name);
        try {
          const fetched = await this.#fetch(queue, this.#free);
          if (fetched.full) {
            this.#dirty.add(queue.name);
            this.#again = true;
          }
        } catch (error) {
          this.#logger.error(
            { err: error, queue: queue.name },
            'fetching jobs failed; retrying on the next poll',
          );
        }
      }
    } while (this.#again && !this.#stopped && this.#free > 0);
  }

  async #fetch(queue: DispatchQueue, want: number): Promise<{ full: boolean }> {
    let slots: number[] = [];
    if (queue.concurrency !== null) {
      slots = await this.#gate.acquire(queue.workflow, queue.concurrency, want);
      // Every slot taken somewhere: the poll timer tries again.
      if (slots.length === 0) return { full: false };
      want = slots.length;
    }
    // Reserved before the fetch: slots freed while it runs must not be handed out twice.
    this.#free -= want;
    let taken = 0;
    try {
      taken = await this.#take(queue, want, slots);
    } finally {
      this.#free += want - taken;
      const unused = slots.slice(taken);
      if (unused.length > 0) await this.#gate.release(queue.workflow, unused);
    }
    return { full: taken === want };
  }
}
