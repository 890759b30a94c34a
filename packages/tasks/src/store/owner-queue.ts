import { DomainError, type TaskStatus } from '@kaygraph/contracts';
import { type SQL, sql } from 'drizzle-orm';
import { recordsJson, rowsOf, sentTogether, type Transaction } from '../db.ts';

/**
 * The per-owner queue limit (`max_queue_size` counts unfinished tasks, `completed_at is null`). Every path
 * that makes an owner's task unfinished (submit, retry, redrive) reserves room here: the owner's
 * transaction lock serialises them until commit, and the count read by a statement that starts once the
 * lock is held (owner_queue_counts, which triggers on tasks keep) includes every committed task, so the
 * limit is exact under any concurrency. Lock order: the owner lock comes before any task row lock.
 */

/** The transaction-local setting naming the owner whose lock this transaction took last. */
const LOCK_MARK = 'kaygraph.queue_lock';

/** Past this many parts (rows of owner_queue_counts), an owner's count is folded into one row. */
const FOLD_PARTS_AT = 16;

function lockMark(owner: string): string {
  return `owner:${owner}`;
}

/** Takes the owner's queue lock; QUEUE_FULL unless the owner may add `adding` unfinished tasks. */
export async function reserveQueueRoom(
  tx: Transaction,
  owner: string,
  adding: number,
  maxQueueSize: number,
): Promise<void> {
  const { unfinished } = await lockOwnerQueueState(tx, owner, []);
  assertRoom(unfinished, adding, maxQueueSize);
}

/** Takes the owner's queue lock; the unfinished tasks the owner may still add (0 when full). */
export async function lockQueueRoom(tx: Transaction, owner: string, maxQueueSize: number): Promise<number> {
  const { unfinished } = await lockOwnerQueueState(tx, owner, []);
  return Math.max(0, maxQueueSize - unfinished);
}

/**
 * Takes the owner's queue lock until the transaction ends (re-entrant within it), and marks in the
 * transaction that it is held: a statement sent right behind this one can tell that it runs under it.
 */
export async function lockOwnerQueue(tx: Transaction, owner: string): Promise<void> {
  await tx.execute(sql`
    select pg_advisory_xact_lock(${ownerLockKey(sql`${owner}`)}),
      set_config(${LOCK_MARK}, ${lockMark(owner)}, true)`);
}

/** The advisory lock key of the owner `owner` evaluates to. */
function ownerLockKey(owner: SQL): SQL {
  return sql`hashtextextended('kaygraph.queue:' || ${owner}, 0)`;
}

/**
 * Folds the counts of up to `owners` owners with more than FOLD_PARTS_AT parts into one row each, so the
 * parts finishes add stay few while an owner submits nothing. Owners whose queue lock is busy are passed
 * over (try-lock: a submit holding it folds on its own); the limit counts the owners locked. Returns how
 * many owners it folded: fewer than `owners` when no other crowded owner is free.
 */
export async function foldOwnerCounts(tx: Transaction, owners: number): Promise<number> {
  const rows = rowsOf<{ owner: string }>(
    await tx.execute(sql`
      with crowded as materialized (
        select owner from owner_queue_counts group by owner having count(*) > ${FOLD_PARTS_AT}
      ),
      locked as (
        select owner from crowded where pg_try_advisory_xact_lock(${ownerLockKey(sql`owner`)}) limit ${owners}
      ),
      folded as (
        delete from owner_queue_counts c using locked where c.owner = locked.owner
        returning c.owner, c.unfinished
      )
      insert into owner_queue_counts (owner, unfinished)
      select owner, sum(unfinished) from folded group by owner
      returning owner`),
  );
  return rows.length;
}

/**
 * The `with` clauses that read the owner's unfinished count (`parts`: its rows in owner_queue_counts) and,
 * under the owner's lock and past FOLD_PARTS_AT parts, replace them by their sum: the rows finishes add
 * between two submits are read once. Only lock holders delete them, so the fold waits on no one.
 */
function ownerCount(owner: string, locked: SQL): SQL {
  return sql`parts as (select unfinished from owner_queue_counts where owner = ${owner}),
    folded as (
      delete from owner_queue_counts where owner = ${owner} and ${locked}
        and (select count(*) from parts) > ${FOLD_PARTS_AT}
      returning unfinished
    ),
    refilled as (
      insert into owner_queue_counts (owner, unfinished)
      select ${owner}, sum(unfinished) from folded having count(*) > 0
    )`;
}

/** QUEUE_FULL unless `adding` more unfinished tasks fit beside `unfinished` ones. */
export function assertRoom(unfinished: number, adding: number, maxQueueSize: number): void {
  if (adding <= 0 || unfinished + adding <= maxQueueSize) return;
  throw new DomainError(
    'QUEUE_FULL',
    `queue full: ${unfinished} unfinished tasks of at most ${maxQueueSize} per owner; wait for some to finish`,
    { retryAfterSeconds: 5 },
  );
}

export interface StoredTask {
  task_id: string;
  status: TaskStatus;
  created_at: string;
}

/** A task holding an idempotency key, with its workflow and the group it is in (null: none). */
export interface KeyHolder {
  task: StoredTask;
  workflow: string;
  groupId: string | null;
}

/** A submit that carries an idempotency key: its place in its batch, the key and its validated params. */
export interface KeyedSubmit {
  index: number;
  key: string;
  /** null: not compared (the submit is the key's request whatever its params). */
  params: Record<string, unknown> | null;
}

/** What a submit reads under the owner's lock: the owner's unfinished tasks and the keys already used. */
export interface OwnerQueueState {
  unfinished: number;
  /** The owner's tasks holding the submitted idempotency keys, by key. */
  existing: Map<string, KeyHolder>;
  /**
   * Each keyed submit whose params differ from those of its key's task (the stored one, else the key's first
   * submit in the batch), by `index`, with the top-level params that differ, sorted. Compared as jsonb: key
   * order and spacing do not count.
   */
  otherParams: Map<number, string[]>;
}

/**
 * Takes the owner's queue lock and reads, under it, the unfinished count and the tasks holding the keys
 * of `keyed` (with whether their params are the same), in one round trip: the read is sent right behind
 * the lock and reports whether it ran under it (the lock's mark); had a driver sent it first, it is read
 * again once the lock is held.
 */
export async function lockOwnerQueueState(
  tx: Transaction,
  owner: string,
  keyed: readonly KeyedSubmit[],
): Promise<OwnerQueueState> {
  const [, first] = await sentTogether([lockOwnerQueue(tx, owner), readOwnerQueueState(tx, owner, keyed)]);
  const state = first ?? (await readOwnerQueueState(tx, owner, keyed));
  if (!state) throw new Error(`the queue state of ${owner} was read without its lock`);
  return state;
}

/**
 * The owner's tasks holding the keys of `keyed`, as a json array (null for none), and the keyed submits
 * whose params differ (as jsonb) from their key's task, or from the key's first submit in the batch, each
 * with the top-level params that differ. The statement's `with` clauses (if any) and its two columns.
 */
function keyHolders(owner: string, keyed: readonly KeyedSubmit[]): { with: SQL | null; columns: SQL } {
  if (keyed.length === 0)
    return { with: null, columns: sql`null::json as existing, null::json as other_params` };
  const input = recordsJson(
    keyed.map((submit) => ({ i: submit.index, key: submit.key, params: submit.params })),
  );
  return {
    with: sql`s as (select * from jsonb_to_recordset(${input}::jsonb) as s(i int, key text, params jsonb))`,
    columns: sql`(
        select json_agg(json_build_object('task_id', id, 'status', status,
          'created_at', to_json(created_at) #>> '{}', 'group_id', group_id, 'key', idempotency_key,
          'workflow', workflow))
        from tasks where owner = ${owner} and idempotency_key = any(array(select key from s))
      ) as existing, (
        select json_agg(json_build_object('i', s.i, 'fields', differing.fields) order by s.i) from s
        left join tasks t on t.owner = ${owner} and t.idempotency_key = s.key
        cross join lateral (select case when t.id is not null then t.params
          else (select f.params from s f where f.key = s.key order by f.i limit 1) end as params) held
        cross join lateral (
          select coalesce(json_agg(name order by name), '[]'::json) as fields
          from (select jsonb_object_keys(s.params) as name union select jsonb_object_keys(held.params)) names
          where s.params -> name is distinct from held.params -> name
        ) differing
        where s.params <> held.params
      ) as other_params`,
  };
}

/** The owner's queue state, or null when the statement did not run under the owner's lock. */
async function readOwnerQueueState(
  tx: Transaction,
  owner: string,
  keyed: readonly KeyedSubmit[],
): Promise<OwnerQueueState | null> {
  const holders = keyHolders(owner, keyed);
  const locked = sql`current_setting(${LOCK_MARK}, true) = ${lockMark(owner)}`;
  const clauses = [ownerCount(owner, locked), ...(holders.with ? [holders.with] : [])];
  const [row] = rowsOf<{
    locked: boolean;
    unfinished: number;
    existing: (StoredTask & { group_id: string | null; key: string; workflow: string })[] | null;
    other_params: { i: number; fields: string[] }[] | null;
  }>(
    await tx.execute(sql`
      with ${sql.join(clauses, sql`, `)}
      select ${locked} as locked, (select coalesce(sum(unfinished), 0)::int from parts) as unfinished,
        ${holders.columns}`),
  );
  if (!row?.locked) return null;
  const existing = new Map<string, KeyHolder>();
  for (const held of row.existing ?? []) {
    // As drizzle reads a timestamp: an ISO string in UTC, to the millisecond.
    const createdAt = new Date(held.created_at).toISOString();
    existing.set(held.key, {
      task: { task_id: held.task_id, status: held.status, created_at: createdAt },
      workflow: held.workflow,
      groupId: held.group_id,
    });
  }
  const otherParams = new Map((row.other_params ?? []).map(({ i, fields }) => [i, fields]));
  return { unfinished: row.unfinished, existing, otherParams };
}
