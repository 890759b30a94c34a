import type { Logger } from 'pino';
import { isStatementTimeout } from '../database-errors.ts';
import { createOutageLog, type OutageLog } from '../outage-log.ts';
import type { FetchedJob, FetchQueue } from '../store/jobs.ts';

/**
 * One queue a worker takes jobs from: a workflow version it runs (null: tasks from before versions), with
 * its per-key running limit.
 */
export interface DispatchQueue extends FetchQueue {
  /** Cluster-wide running limit of the workflow, across its versions (null: none). */
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
 * What a take did: how many jobs it fetched, and, when it spent the last start its workflow's rate limit
 * allows for now, how long until the next (null: no such wait).
 */
export interface JobsTaken {
  fetched: number;
  nextStartInSeconds: number | null;
}

/**
 * Fetches (and claims) up to `want` jobs of `queue` and starts them; `slots` are the gate slots taken for
 * them (the first N go to the N jobs).
 */
export type TakeJobs = (queue: DispatchQueue, want: number, slots: readonly number[]) => Promise<JobsTaken>;

/** Fetches in flight at once: a second one claims while the first commits, so slots refill in halves. */
const MAX_FETCHES_IN_FLIGHT = 2;
/**
 * Free slots from this many on are split between two fetches (each then takes at least 32): with one
 * fetch, every slot waits for the whole claim to commit, and the next claim starts only once the last
 * one's tasks have run. Fewer go to one fetch: a smaller claim costs nearly as much.
 */
const SPLIT_FROM_FREE_SLOTS = 64;

/**
 * Fetches jobs into free local slots. Why not pg-boss `work()`: its loop awaits a whole batch and then
 * sleeps its polling interval even when jobs remain, and one long task in a batch holds its siblings'
 * slots. Here a fetch asks for
 * exactly as many jobs as there are free slots, a freed slot triggers the next fetch at once, and a
 * queue is fetched again as long as its last fetch came back full. Many free slots of a queue without a
 * cluster-wide limit are split between two fetches that run at once (SKIP LOCKED keeps their jobs apart);
 * a queue with a limit is fetched by one fetch at a time, never beside another limited one (the gate's
 * slots are counted in this process). Wake-ups: the `task_queued` NOTIFY (LISTENed by the event bus) that
 * the event writer sends when a task becomes queued and the concurrency gate sends when a task of a limited
 * workflow frees its slot (its queued tasks found every slot taken: any worker may start the next; slots a
 * fetch did not use are freed silently, or an idle worker would wake itself), a freed local slot, and a
 * poll timer for jobs that become runnable later (retry backoff, `run_at`). Paused workflows are skipped
 * from the set this holds (`setPaused`: the `workflow_paused` NOTIFY, and `readPaused` on every poll);
 * their queues stay dirty, so a resume fetches them at once. A workflow whose rate limit has no start left
 * rests: its queues are not fetched (wake-ups and polls leave them dirty) until the claim said the next
 * start is free, and then they are.
 */
export class Dispatcher {
  readonly #queues: DispatchQueue[];
  readonly #gate: SlotGate;
  readonly #take: TakeJobs;
  readonly #pollIntervalMs: number;
  readonly #readPaused: () => Promise<ReadonlySet<string>>;
  #paused: ReadonlySet<string> = new Set();
  #readingPaused = false;
  /** Counts `setPaused` calls: a read that started before one is older than what it said. */
  #pauseNotices = 0;
  #free: number;
  #dirty = new Set<DispatchQueue>();
  #pumping = false;
  #again = false;
  #stopped = false;
  #rotation = 0;
  #timer: NodeJS.Timeout | undefined;
  /** Rate-limited workflows with no start left, each with the timer that ends its rest. */
  readonly #resting = new Map<string, NodeJS.Timeout>();
  #idle: Promise<void> = Promise.resolve();
  readonly #inFlight = new Set<Promise<void>>();
  #limitedInFlight = false;
  /** An outage is one line, not one per poll. */
  readonly #outage: OutageLog;
  /**
   * Fetches of a queue that time out (a lock holds up its tasks' rows) are one line per queue: the other
   * queues' fetches go through meanwhile, which ends no outage of this one.
   */
  readonly #heldUp = new Map<DispatchQueue, OutageLog>();
  readonly #logger: Logger;

  constructor(options: {
    queues: DispatchQueue[];
    capacity: number;
    gate: SlotGate;
    take: TakeJobs;
    logger: Logger;
    pollIntervalMs: number;
    /** The paused workflows as stored: read on start and on every poll. */
    readPaused: () => Promise<ReadonlySet<string>>;
  }) {
    this.#queues = options.queues;
    this.#free = options.capacity;
    this.#gate = options.gate;
    this.#take = options.take;
    this.#pollIntervalMs = options.pollIntervalMs;
    this.#readPaused = options.readPaused;
    this.#logger = options.logger;
    this.#outage = createOutageLog(options.logger, 'fetching jobs', {
      msg: 'fetching jobs failed; retrying on every poll, quietly until one goes through',
    });
  }

  /**
   * Reads the paused workflows, then fetches every queue not paused. Should the read fail, the poll reads
   * again; meanwhile a claim of a paused workflow finds the pause itself (store/claim.ts).
   */
  async start(): Promise<void> {
    this.#paused = await this.#readPaused().catch(() => new Set<string>());
    this.#timer = setInterval(() => this.#poll(), this.#pollIntervalMs);
    this.markAllDirty();
  }

  /** `workflow` was paused or resumed; a resume fetches its queues at once. */
  setPaused(workflow: string, paused: boolean): void {
    this.#pauseNotices++;
    if (this.#paused.has(workflow) === paused) return;
    const next = new Set(this.#paused);
    if (paused) next.add(workflow);
    else next.delete(workflow);
    this.#paused = next;
    if (!paused) this.notify(workflow);
  }

  isPaused(workflow: string): boolean {
    return this.#paused.has(workflow);
  }

  /** The poll: every queue is fetched again, and the paused set read again (a NOTIFY may have been lost). */
  #poll(): void {
    this.markAllDirty();
    if (this.#readingPaused) return;
    this.#readingPaused = true;
    const notices = this.#pauseNotices;
    this.#readPaused()
      .then((paused) => {
        if (notices !== this.#pauseNotices) return;
        const resumed = [...this.#paused].filter((workflow) => !paused.has(workflow));
        this.#paused = paused;
        for (const workflow of resumed) this.notify(workflow);
      })
      // A database away: the fetches say so, once; the set stays as it was.
      .catch(() => undefined)
      .finally(() => {
        this.#readingPaused = false;
      });
  }

  /** A task of `workflow` became queued (in one of its versions' queues). */
  notify(workflow: string): void {
    const queues = this.#queues.filter((candidate) => candidate.workflow === workflow);
    if (queues.length === 0) return;
    for (const queue of queues) this.#dirty.add(queue);
    this.#kick();
  }

  markAllDirty(): void {
    for (const queue of this.#queues) this.#dirty.add(queue);
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
    for (const timer of this.#resting.values()) clearTimeout(timer);
    this.#resting.clear();
    await this.#idle;
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
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

  /** Starts fetches for dirty queues while slots are free and fewer than the maximum are in flight. */
  #pump(): void {
    do {
      this.#again = false;
      const order = this.#queues.map((_, i) => this.#queues[(i + this.#rotation) % this.#queues.length]);
      this.#rotation++;
      for (const queue of order) {
        if (!queue || this.#stopped || this.#free <= 0 || this.#inFlight.size >= MAX_FETCHES_IN_FLIGHT) break;
        if (
          !this.#dirty.has(queue) ||
          this.#paused.has(queue.workflow) ||
          this.#resting.has(queue.workflow)
        ) {
          continue;
        }
        const limited = queue.concurrency !== null;
        // Stays dirty: the limited fetch in flight starts the pump again when it ends.
        if (limited && this.#limitedInFlight) continue;
        // Cleared before the fetch: a NOTIFY that arrives while it runs (a job it may not see) marks the
        // queue again, and the pump goes round once more.
        this.#dirty.delete(queue);
        const spare = MAX_FETCHES_IN_FLIGHT - this.#inFlight.size;
        const want =
          limited || this.#free < SPLIT_FROM_FREE_SLOTS ? this.#free : Math.ceil(this.#free / spare);
        if (want < this.#free) {
          // The other part goes to a second fetch on the next round.
          this.#dirty.add(queue);
          this.#again = true;
        }
        this.#start(queue, want);
      }
    } while (this.#again && !this.#stopped && this.#free > 0 && this.#inFlight.size < MAX_FETCHES_IN_FLIGHT);
  }

  #start(queue: DispatchQueue, want: number): void {
    const limited = queue.concurrency !== null;
    if (limited) this.#limitedInFlight = true;
    const fetching: Promise<void> = this.#fetch(queue, want)
      .then(
        (fetched) => {
          this.#outage.succeeded();
          this.#heldUp.get(queue)?.succeeded();
          if (fetched.nextStartInSeconds !== null) this.#rest(queue.workflow, fetched.nextStartInSeconds);
          if (fetched.full) this.#dirty.add(queue);
        },
        (error: unknown) =>
          (isStatementTimeout(error) ? this.#heldUpLog(queue) : this.#outage).failed(error, {
            workflow: queue.workflow,
            version: queue.version,
          }),
      )
      .finally(() => {
        if (limited) this.#limitedInFlight = false;
        this.#inFlight.delete(fetching);
        this.#kick();
      });
    this.#inFlight.add(fetching);
  }

  /**
   * No fetch of `workflow` until its next start is free; then its queues are fetched. A stopped dispatcher
   * rests no more: a fetch that answers after the stop would leave a timer keeping the process alive.
   */
  #rest(workflow: string, seconds: number): void {
    if (this.#stopped) return;
    clearTimeout(this.#resting.get(workflow));
    const timer = setTimeout(
      () => {
        this.#resting.delete(workflow);
        this.notify(workflow);
      },
      Math.ceil(seconds * 1000),
    );
    this.#resting.set(workflow, timer);
  }

  #heldUpLog(queue: DispatchQueue): OutageLog {
    let log = this.#heldUp.get(queue);
    if (!log) {
      log = createOutageLog(this.#logger, `fetching jobs of ${queue.workflow}`, {
        msg: 'fetching jobs timed out (a lock or a slow statement holds them up past the statement timeout); retrying on every poll, quietly until one goes through',
      });
      this.#heldUp.set(queue, log);
    }
    return log;
  }

  async #fetch(
    queue: DispatchQueue,
    want: number,
  ): Promise<{ full: boolean; nextStartInSeconds: number | null }> {
    // Reserved before anything is awaited: a fetch started meanwhile, and slots freed while this one runs,
    // must not hand out the same slots twice.
    const reserved = want;
    this.#free -= reserved;
    let slots: number[] = [];
    let taken = 0;
    let nextStartInSeconds: number | null = null;
    try {
      if (queue.concurrency !== null) {
        slots = await this.#gate.acquire(queue.workflow, queue.concurrency, want);
        // Every slot taken somewhere: the poll timer tries again.
        if (slots.length === 0) return { full: false, nextStartInSeconds };
        want = slots.length;
      }
      ({ fetched: taken, nextStartInSeconds } = await this.#take(queue, want, slots));
    } finally {
      this.#free += reserved - taken;
      const unused = slots.slice(taken);
      if (unused.length > 0) await this.#gate.release(queue.workflow, unused);
    }
    // A per-key limit may leave jobs of other keys behind a full key's (pg-boss ranks the first `want`
    // candidates): fetch again until a fetch finds nothing.
    return { full: taken === want || (queue.concurrencyPerKey !== null && taken > 0), nextStartInSeconds };
  }
}
