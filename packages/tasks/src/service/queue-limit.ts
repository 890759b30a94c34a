import { DomainError } from '@kaygraph/contracts';
import { sql } from 'drizzle-orm';
import { rowsOf, type Transaction } from '../db.ts';

/**
 * Concurrent submits of one owner that count without a lock; near the limit the count is taken under a
 * per-owner transaction lock. A submit skips the lock only while at least this many slots are free, so
 * unless more than this many submits of one owner are in flight at once, the limit is exact; far from the
 * limit submits do not serialize.
 */
export const UNLOCKED_MARGIN = 64;

/**
 * Throws QUEUE_FULL unless `owner` may add `adding` tasks (max_queue_size counts unfinished tasks: those
 * with no `completed_at`, which a check constraint keeps the same as an unfinished status).
 */
export async function assertQueueRoom(
  tx: Transaction,
  owner: string,
  adding: number,
  maxQueueSize: number,
): Promise<void> {
  let active = await countActive(tx, owner, maxQueueSize);
  if (active + adding + UNLOCKED_MARGIN > maxQueueSize) {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`kaygraph.submit:${owner}`}, 0))`);
    active = await countActive(tx, owner, maxQueueSize);
  }
  if (active + adding > maxQueueSize) throw queueFull(active, maxQueueSize);
}

/**
 * The same limit, for a submit that counted (`countedBefore`, without a lock) in the same pipeline as its
 * inserts: near the limit it takes the per-owner lock and counts again, now including its own `adding`
 * rows, so concurrent submits near the limit still serialise and the limit stays exact. A QUEUE_FULL
 * rolls the inserts back with the transaction.
 */
export async function assertQueueRoomAfterInsert(
  tx: Transaction,
  owner: string,
  adding: number,
  maxQueueSize: number,
  countedBefore: number,
): Promise<void> {
  if (countedBefore + adding + UNLOCKED_MARGIN <= maxQueueSize) return;
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`kaygraph.submit:${owner}`}, 0))`);
  const withOwn = await countActive(tx, owner, maxQueueSize + adding);
  if (withOwn > maxQueueSize) throw queueFull(withOwn - adding, maxQueueSize);
}

function queueFull(active: number, maxQueueSize: number): DomainError {
  return new DomainError(
    'QUEUE_FULL',
    `queue full: ${active} unfinished tasks of at most ${maxQueueSize} per owner; wait for some to finish`,
    { retryAfterSeconds: 5 },
  );
}

/**
 * Unfinished tasks of `owner`, counted up to `cap + 1`. Not an async function: the query is sent when this
 * is called (`.then` at once), so a caller that pipelines it before its inserts counts without them.
 */
export function countActive(tx: Transaction, owner: string, cap: number): Promise<number> {
  // Bounded: counting stops at the cap, so an owner with a large backlog costs no more than a full one.
  return tx
    .execute(sql`
      select count(*)::int as n from (
        select 1 from tasks
        where owner = ${owner} and completed_at is null
        limit ${cap + 1}
      ) active`)
    .then((result) => rowsOf<{ n: number }>(result)[0]?.n ?? 0);
}
