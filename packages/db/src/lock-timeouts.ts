import { setTimeout as sleep } from 'node:timers/promises';
import { codeInCauses } from '@kaygraph/contracts/cause-chain';
import type postgres from 'postgres';

/** How DDL waits for the table locks it needs (`migrate`'s options). */
export interface LockWaitOptions {
  /**
   * The longest one try waits for a table lock, in ms (default 3,000). Every query on a table queues
   * behind DDL that waits for it, so a try gives up after this, lets them through, and tries again.
   */
  lockTimeoutMs?: number;
  /** How long tries go on before the migration fails, in ms (default 10 minutes). */
  giveUpAfterMs?: number;
  /** Told after each try that gave up waiting (`tries`: how many did so far), to say why it takes long. */
  onLockTimeout?: (tries: number) => void;
}

const DEFAULT_LOCK_TIMEOUT_MS = 3_000;
const DEFAULT_GIVE_UP_AFTER_MS = 10 * 60_000;
/** The pause before the next try grows from this, doubling, up to the cap. */
const FIRST_PAUSE_MS = 1_000;
const MAX_PAUSE_MS = 15_000;

/** A migration gave up waiting for a table lock; it applied nothing. */
export class MigrationLockTimeoutError extends Error {
  override name = 'MigrationLockTimeoutError';
}

/** lock_not_available: lock_timeout ran out (drizzle may wrap the driver's error as `cause`). */
const LOCK_NOT_AVAILABLE_CODE = '55P03';

function isLockTimeout(error: unknown): boolean {
  return codeInCauses(error, (code) => code === LOCK_NOT_AVAILABLE_CODE) !== undefined;
}

/** The oldest open transactions of the database but ours, for the message of a migration that gave up. */
async function oldestTransactions(sql: postgres.Sql): Promise<string> {
  const rows = await sql<{ pid: number; application_name: string; state: string; seconds: number }[]>`
    select pid, application_name, state, extract(epoch from now() - xact_start)::int as seconds
    from pg_stat_activity
    where datname = current_database() and pid <> pg_backend_pid() and xact_start is not null
    order by xact_start
    limit 3`.catch(() => []);
  return rows
    .map(
      (row) => `pid ${row.pid} (${row.application_name || 'no name'}, ${row.state}, open ${row.seconds} s)`,
    )
    .join('; ');
}

/**
 * Runs `apply` (one transaction of DDL) on `sql`, a single session, with `lock_timeout` set: a try that
 * cannot get a table lock in time rolls back and is run again after a pause, so a long transaction on a
 * table (a backup, a report) delays the migration instead of stalling every query on that table behind it.
 */
export async function applyWithLockTimeout(
  sql: postgres.Sql,
  apply: () => Promise<void>,
  options: LockWaitOptions = {},
): Promise<void> {
  const lockTimeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const giveUpAt = Date.now() + (options.giveUpAfterMs ?? DEFAULT_GIVE_UP_AFTER_MS);
  await sql`select set_config('lock_timeout', ${`${lockTimeoutMs}ms`}, false)`;
  try {
    for (let tries = 1; ; tries++) {
      try {
        await apply();
        return;
      } catch (error) {
        if (!isLockTimeout(error)) throw error;
        if (Date.now() >= giveUpAt) {
          const holders = await oldestTransactions(sql);
          throw new MigrationLockTimeoutError(
            `the migration could not lock the tables it changes (${tries} ${tries === 1 ? 'try' : 'tries'} of ` +
              `${lockTimeoutMs} ms): another transaction holds them, so nothing was applied; run it again ` +
              `when that transaction ends${holders ? ` (oldest open transactions: ${holders})` : ''}`,
            { cause: error },
          );
        }
        options.onLockTimeout?.(tries);
        await sleep(Math.min(FIRST_PAUSE_MS * 2 ** (tries - 1), MAX_PAUSE_MS));
      }
    }
  } finally {
    await sql`select set_config('lock_timeout', '0', false)`.catch(() => undefined);
  }
}
