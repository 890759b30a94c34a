import type { TaskContext } from './context.ts';

/**
 * An owner's unfinished tasks counted at a database time: the base of the one-statement submit's room check.
 * Of the tasks created before `asOf`, no more can be unfinished later than were at the count (they only
 * finish), so at any later time the owner has at most `count` + (unfinished tasks created after `asOf`), and
 * a submit counts only that second term, the last moments' tasks, instead of the whole backlog (counting a
 * backlog of 6,000 on every submit cut the HTTP submit rate from 1,000/s to 660/s). Two kinds of task are
 * in neither term until the next count (at most `REFRESH_MS` later): an old task made unfinished again (a
 * retry, a redrive) and a submit still uncommitted when the count ran; the room check's margin
 * (`UNLOCKED_MARGIN`) covers them, as it covers submits in flight.
 */
export interface BacklogBaseline {
  count: number;
  /** ISO time; the count's own start, minus `SLACK_MS` so a submit in flight then is counted after it. */
  asOf: string;
}

/** How long one count serves an owner's submits in this process. */
const REFRESH_MS = 200;
/** Tasks created this long before the count are counted again after it (double, never missed). */
const SLACK_MS = 50;

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
  const [row] = await ctx.db.$client.unsafe<{ n: string; as_of: string }[]>(
    `select count(*) as n, to_json(now() - make_interval(secs => $3::float8 / 1000)) #>> '{}' as as_of
     from (select 1 from tasks where owner = $1::text and completed_at is null limit $2::bigint) unfinished`,
    [owner, cap + 1, SLACK_MS],
  );
  if (!row) throw new Error('the backlog count returned no row');
  return { count: Number(row.n), asOf: row.as_of };
}
