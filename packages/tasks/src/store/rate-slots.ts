import type { WorkflowRateLimit } from '@kaygraph/contracts';
import { type SQL, sql } from 'drizzle-orm';
import { rowsOf, type Transaction } from '../db.ts';

/**
 * A workflow's rate limit (`defaults.rate_limit`: at most `max` task starts in any window of `per_seconds`,
 * across every worker) as a log of its recent starts in `workflow_rate_limits`, one row per workflow name
 * (its versions share it: they call the same API). A claim locks the row (until its transaction ends, so
 * claims of one workflow take turns across workers), counts the starts in the window, claims at most what
 * is left, and records the starts it made.
 *
 * A start is stamped twice where a user sees it: `started_at`/`run_started_at` take the claim's `now()`, its
 * `running` event the clock when it is written, later. The count uses the claim's `now()` and the log keeps
 * the clock after the claim's events, so every stamp of a start lies between the two and any window of
 * either holds at most `max` starts (the limit errs by a claim's length on the strict side).
 *
 * Why a log and not a token bucket: a bucket of `max` refilling over `per_seconds` lets up to twice `max`
 * start within one window (a full bucket spent, then its refill); the log holds any window to `max`. It is
 * bounded: the newest `max` starts decide every claim (a window holding fewer than `max` of them holds
 * every start since the oldest of them), so only those are kept.
 */

/** The window of `limit` as an SQL interval. */
function windowOf(limit: WorkflowRateLimit): SQL {
  return sql`make_interval(secs => ${limit.per_seconds}::float8)`;
}

/** Seconds from now until `starts` leave room for another start: null when they do already. */
function nextStartSql(starts: SQL, limit: WorkflowRateLimit): SQL {
  return sql`extract(epoch from (select s from unnest(${starts}) s order by s desc offset ${limit.max - 1}::int limit 1)
    + ${windowOf(limit)} - clock_timestamp())::float8`;
}

function secondsOrNull(value: number | null | undefined): number | null {
  const seconds = value === null || value === undefined ? null : Number(value);
  return seconds === null || seconds <= 0 ? null : seconds;
}

/** What a claim may start. */
export interface TakenStarts {
  /** Starts granted to this claim: at most what it asked for. */
  granted: number;
  /** None granted: how long until there is room for one. */
  nextStartInSeconds: number | null;
}

async function readLocked(
  tx: Transaction,
  workflow: string,
  limit: WorkflowRateLimit,
  want: number,
): Promise<{ granted: number; next_start_in_seconds: number | null } | undefined> {
  const [row] = rowsOf<{ granted: number; next_start_in_seconds: number | null }>(
    await tx.execute(sql`
      with log as (select recent_starts from workflow_rate_limits where name = ${workflow} for no key update)
      select least(${want}::int, greatest(0, ${limit.max}::int
          - (select count(*)::int from unnest(recent_starts) s where s > now() - ${windowOf(limit)}))) as granted,
        ${nextStartSql(sql`recent_starts`, limit)} as next_start_in_seconds
      from log`),
  );
  return row;
}

/**
 * Locks `workflow`'s log in the claim's transaction (the first claim of a workflow writes its row) and
 * grants up to `want` starts: as many as the window before the claim's `now()` has room for.
 */
export async function takeStarts(
  tx: Transaction,
  workflow: string,
  limit: WorkflowRateLimit,
  want: number,
): Promise<TakenStarts> {
  let row = await readLocked(tx, workflow, limit, want);
  if (!row) {
    await tx.execute(
      sql`insert into workflow_rate_limits (name) values (${workflow}) on conflict do nothing`,
    );
    row = await readLocked(tx, workflow, limit, want);
  }
  if (!row) throw new Error(`the rate limit log of workflow "${workflow}" could not be written`);
  const granted = Number(row.granted);
  return { granted, nextStartInSeconds: granted > 0 ? null : secondsOrNull(row.next_start_in_seconds) };
}

/**
 * Records `count` starts the claim made, stamped with the clock now (after its tasks' `running` events),
 * keeping the newest `max`. Returns how long until the window has room for another start (null: it has).
 */
export async function recordStarts(
  tx: Transaction,
  workflow: string,
  limit: WorkflowRateLimit,
  count: number,
): Promise<number | null> {
  const [row] = rowsOf<{ next_start_in_seconds: number | null }>(
    await tx.execute(sql`
      with recorded as (
        update workflow_rate_limits set recent_starts = array(
          select s from unnest(recent_starts || array_fill(clock_timestamp(), array[${count}::int])) s
          order by s desc limit ${limit.max}::int)
        where name = ${workflow}
        returning recent_starts
      )
      select ${nextStartSql(sql`recent_starts`, limit)} as next_start_in_seconds from recorded`),
  );
  return secondsOrNull(row?.next_start_in_seconds);
}

/** A claim's jobs and attempts (store/claim.ts), as `withinRateLimit` wraps them. */
interface Claimed<Job, Attempt> {
  jobs: Job[];
  attempts: Attempt[];
}

/**
 * Runs `claim` for at most as many tasks as `from`'s rate limit lets start now (all of `want` without a
 * limit), in its transaction, and records the starts it made. `nextStartInSeconds`: the window has no room
 * left, and has again in this long (null: it has room, or there is no limit).
 */
export async function withinRateLimit<Job, Attempt>(
  tx: Transaction,
  from: { workflow: string; rateLimit: WorkflowRateLimit | null },
  want: number,
  claim: (want: number) => Promise<Claimed<Job, Attempt>>,
): Promise<Claimed<Job, Attempt> & { nextStartInSeconds: number | null }> {
  const limit = from.rateLimit;
  if (limit === null) return { ...(await claim(want)), nextStartInSeconds: null };
  const taken = await takeStarts(tx, from.workflow, limit, want);
  if (taken.granted === 0) return { jobs: [], attempts: [], nextStartInSeconds: taken.nextStartInSeconds };
  const claimed = await claim(taken.granted);
  const started = claimed.attempts.length;
  if (started === 0) return { ...claimed, nextStartInSeconds: null };
  return { ...claimed, nextStartInSeconds: await recordStarts(tx, from.workflow, limit, started) };
}
