import type { SubmitTaskOutput } from '@kaygraph/contracts';
import type { Caller } from '../caller.ts';
import { isDatabaseAway } from '../database-errors.ts';
import type { PreparedTask } from './validate-submit.ts';

/** A merged batch takes waiting submits while it holds at most this many tasks. */
const MAX_BATCH_TASKS = 1_000;

interface Waiting {
  prepared: readonly PreparedTask[];
  resolve(submitted: SubmitTaskOutput[]): void;
  reject(error: unknown): void;
}

interface Lane {
  running: boolean;
  waiting: Waiting[];
}

type SubmitPath = (caller: Caller, prepared: readonly PreparedTask[]) => Promise<SubmitTaskOutput[]>;

/**
 * A thin wrapper over the one submit path: submits of one caller that arrive while a submit of theirs is
 * in its transaction (they would wait for the owner's queue lock anyway) go out together in the next one.
 * Each gets its own tasks back. A merged submit that fails is run again submit by submit, so each gets the
 * answer it would have had alone; only the database being away fails them all (a lost connection leaves the
 * commit's fate unknown; after a statement timeout each alone would wait as long again).
 */
export class SubmitBatcher {
  readonly #submit: SubmitPath;
  readonly #lanes = new Map<string, Lane>();

  constructor(submit: SubmitPath) {
    this.#submit = submit;
  }

  submit(caller: Caller, prepared: readonly PreparedTask[]): Promise<SubmitTaskOutput[]> {
    const key = `${caller.admin ? 'admin' : 'owner'}:${caller.owner}`;
    let lane = this.#lanes.get(key);
    if (!lane) {
      lane = { running: false, waiting: [] };
      this.#lanes.set(key, lane);
    }
    const current = lane;
    return new Promise((resolve, reject) => {
      current.waiting.push({ prepared, resolve, reject });
      if (!current.running) void this.#drain(key, caller, current);
    });
  }

  async #drain(key: string, caller: Caller, lane: Lane): Promise<void> {
    lane.running = true;
    while (lane.waiting.length > 0) {
      const batch: Waiting[] = [];
      let tasks = 0;
      while (lane.waiting.length > 0) {
        const next = lane.waiting[0];
        if (!next || (batch.length > 0 && tasks + next.prepared.length > MAX_BATCH_TASKS)) break;
        batch.push(next);
        tasks += next.prepared.length;
        lane.waiting.shift();
      }
      await this.#run(caller, batch);
    }
    lane.running = false;
    this.#lanes.delete(key);
  }

  async #run(caller: Caller, batch: readonly Waiting[]): Promise<void> {
    try {
      const submitted = await this.#submit(
        caller,
        batch.flatMap((waiting) => waiting.prepared),
      );
      let offset = 0;
      for (const waiting of batch) {
        waiting.resolve(submitted.slice(offset, offset + waiting.prepared.length));
        offset += waiting.prepared.length;
      }
    } catch (error) {
      if (batch.length === 1 || isDatabaseAway(error)) {
        for (const waiting of batch) waiting.reject(error);
        return;
      }
      for (const waiting of batch) {
        await this.#submit(caller, waiting.prepared).then(waiting.resolve, waiting.reject);
      }
    }
  }
}
