import type { SubmitTaskOutput } from '@kaygraph/contracts';
import { isConnectionLost } from '../connection-lost.ts';
import type { TaskContext } from './context.ts';
import { submitInOneStatement } from './submit-one-statement.ts';
import type { PreparedTask } from './validate-submit.ts';

/** Statements of one owner and workflow in flight at once; submits arriving meanwhile wait and join. */
const MAX_IN_FLIGHT = 2;
/** A waiting batch takes submits while it holds at most this many tasks. */
const MAX_BATCH_TASKS = 1_000;

interface Waiting {
  prepared: readonly PreparedTask[];
  resolve(submitted: SubmitTaskOutput[] | null): void;
  reject(error: unknown): void;
}

interface Lane {
  inFlight: number;
  batches: Waiting[][];
}

const lanesOf = new WeakMap<TaskContext, Map<string, Lane>>();

/**
 * `submitInOneStatement`, with concurrent submits of one owner and workflow merged into one statement:
 * while MAX_IN_FLIGHT statements of theirs run, the submits that arrive wait and then go out together, so
 * ten clients submitting at once cost a few statements, commits and NOTIFY deliveries instead of ten. A
 * submit with nothing in flight goes out at once (no timer, no added latency when idle). Each submit gets
 * its own tasks back. When a merged statement is refused (the owner is near `max_queue_size`) or the
 * database rejects it, its submits are sent again one by one: near the limit each then takes the exact,
 * locked path, and one submit's bad data fails only that submit.
 */
export function submitCoalesced(
  ctx: TaskContext,
  owner: string,
  prepared: readonly PreparedTask[],
): Promise<SubmitTaskOutput[] | null> {
  let lanes = lanesOf.get(ctx);
  if (!lanes) {
    lanes = new Map();
    lanesOf.set(ctx, lanes);
  }
  const key = `${owner}\u0000${prepared[0]?.workflow.name ?? ''}`;
  let lane = lanes.get(key);
  if (!lane) {
    lane = { inFlight: 0, batches: [] };
    lanes.set(key, lane);
  }
  const current = lane;
  const known = lanes;
  return new Promise((resolve, reject) => {
    const waiting: Waiting = { prepared, resolve, reject };
    if (current.inFlight < MAX_IN_FLIGHT) {
      void run(ctx, owner, [waiting], current, () => known.delete(key));
      return;
    }
    const last = current.batches.at(-1);
    if (last && taskCount(last) + prepared.length <= MAX_BATCH_TASKS) last.push(waiting);
    else current.batches.push([waiting]);
  });
}

function taskCount(batch: readonly Waiting[]): number {
  return batch.reduce((sum, waiting) => sum + waiting.prepared.length, 0);
}

async function run(
  ctx: TaskContext,
  owner: string,
  batch: Waiting[],
  lane: Lane,
  forget: () => void,
): Promise<void> {
  lane.inFlight++;
  try {
    await settle(ctx, owner, batch);
  } finally {
    lane.inFlight--;
    const next = lane.batches.shift();
    if (next) void run(ctx, owner, next, lane, forget);
    else if (lane.inFlight === 0) forget();
  }
}

async function settle(ctx: TaskContext, owner: string, batch: readonly Waiting[]): Promise<void> {
  if (batch.length > 1) {
    let merged: SubmitTaskOutput[] | null;
    try {
      merged = await submitInOneStatement(
        ctx,
        owner,
        batch.flatMap((waiting) => waiting.prepared),
      );
    } catch (error) {
      // The server refused the statement (one submit's data, say), so it rolled back: each submit is sent
      // again on its own. Anything else (a lost connection) leaves open whether it committed, and sending
      // the submits again could store them twice: they fail as one would have failed alone.
      if (!refusedByServer(error)) {
        for (const waiting of batch) waiting.reject(error);
        return;
      }
      merged = null;
    }
    if (merged) {
      let offset = 0;
      for (const waiting of batch) {
        waiting.resolve(merged.slice(offset, offset + waiting.prepared.length));
        offset += waiting.prepared.length;
      }
      return;
    }
  }
  for (const waiting of batch) {
    await submitInOneStatement(ctx, owner, waiting.prepared).then(waiting.resolve, waiting.reject);
  }
}

/** An error PostgreSQL answered for the statement (which then rolled back), not a lost connection. */
function refusedByServer(error: unknown): boolean {
  return error instanceof Error && error.name === 'PostgresError' && !isConnectionLost(error);
}
