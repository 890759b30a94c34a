import type { TaskContext } from './context.ts';

/**
 * An owner's unfinished tasks counted at a database time: the base of the one-statement submit's room check.
 * A task is stamped `created_at = now()`, its transaction's start. `asOf` is taken just before the count: the
 * start of the oldest transaction then open in the database, or the moment itself. Every task the count could
 * not see (committed later) has `created_at >= asOf`, and of the tasks created before it no more are
 * unfinished later than at the count (they only finish). So at any later time the owner has at most `count` +
 * (unfinished tasks created at or after `asOf`), and a submit counts only that second term, the last moments'
 * tasks, instead of the whole backlog (counting a backlog of 6,000 on every submit cut the HTTP submit rate
 * from 1,000/s to 660/s). A retry or redrive reopening an old task is not limited by `max_queue_size` (only
 * submits are), and such a task counts from the next baseline on, at most `REFRESH_MS` later.
 */
export interface BacklogBaseline {
  count: number;
  /** ISO time: no task the count missed was created before it. */
  asOf: string;
}

/** How long one count serves an owner's submits in this process. */
const REFRESH_MS = 200;

interface Entry {
  baseline: BacklogBaseline | undefined;
  takenAt: number;
  refreshing: Promise<BacklogBaseline> | undefined;
}

const entries = new WeakMap<TaskContext, Map<string, Entry>>();

/**
 * The owner's current baseline: counted at most `REFRESH_MS` ago, up to `cap` + 1 tasks (a count beyond the
 * cap means "no room" all the same). Concurrent submits of one owner share one count.
 */
export function backlogBaseline(ctx: TaskContext, owner: string, cap: number): Promise<BacklogBaseline> {
  let owners = entries.get(ctx);
  if (!owners) {
    owners = new Map();
    entries.set(ctx, owners);
  }
  const now = Date.now();
  let entry = owners.get(owner);
  if (entry?.baseline && now - entry.takenAt < REFRESH_MS) return Promise.resolve(entry.baseline);
  if (entry?.refreshing) return entry.refreshing;
  if (!entry) {
    if (owners.size >= 1_000) {
      for (const [key, old] of owners)
        if (!old.refreshing && now - old.takenAt >= REFRESH_MS) owners.delete(key);
    }
    entry = { baseline: undefined, takenAt: 0, refreshing: undefined };
    owners.set(owner, entry);
  }
  const current = entry;
  current.refreshing = countUnfinished(ctx, owner, cap).then(
    (baseline) => {
      current.baseline = baseline;
      current.takenAt = now;
      current.refreshing = undefined;
      return baseline;
    },
    (error: unknown) => {
      current.refreshing = undefined;
      throw error;
    },
  );
  return current.refreshing;
}

async function countUnfinished(ctx: TaskContext, owner: string, cap: number): Promise<BacklogBaseline> {
  const client = ctx.db.$client;
  // Read before the count (a statement, and a snapshot, of its own): a transaction the count cannot see
  // either was open here or starts after. pg_stat_activity shows the transaction starts of this role's
  // sessions, and the services share one role.
  const [start] = await client.unsafe<{ as_of: string }[]>(
    `select to_json(least(now(), min(xact_start))) #>> '{}' as as_of
     from pg_stat_activity where datname = current_database() and xact_start is not null`,
  );
  const [row] = await client.unsafe<{ n: string }[]>(
    `select count(*) as n
     from (select 1 from tasks where owner = $1::text and completed_at is null limit $2::bigint) unfinished`,
    [owner, cap + 1],
  );
  if (!start || !row) throw new Error('the backlog count returned no row');
  return { count: Number(row.n), asOf: start.as_of };
}
