import postgres from 'postgres';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  type DatabaseDoor,
  openDatabaseDoor,
  type TestDatabase,
} from '../src/testing/index.ts';

// postgres.js itself (patched, see patches/) losing its connection at the worst moments: a transaction cut
// while its callback awaits something else, and a reset while a new connection loads its types.

interface Client extends AsyncDisposable {
  sql: postgres.Sql;
}

function client(url: string, options: postgres.Options<Record<string, never>> = {}): Client {
  const sql = postgres(url, { max: 1, onnotice: () => {}, ...options });
  return { sql, [Symbol.asyncDispose]: () => sql.end({ timeout: 5 }) };
}

interface Deferred<T = void> {
  promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T = void>(): Deferred<T> {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

/** How a promise has settled so far (read it after the event that should have settled it). */
function watch(promise: Promise<unknown>): () => { state: string; code?: string } {
  let outcome: { state: string; code?: string } = { state: 'pending' };
  promise.then(
    () => {
      outcome = { state: 'fulfilled' };
    },
    (error: { code?: string }) => {
      outcome = { state: 'rejected', code: error.code };
    },
  );
  return () => outcome;
}

/** Lets the callbacks queued by what just happened run (a query handed over, a rejection reported). */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

let database: TestDatabase;
let direct: Client;

beforeEach(async () => {
  database = await createTestDatabase({ empty: true });
  direct = client(database.url);
  await direct.sql`create table marks (who text not null)`;
});

afterEach(async () => {
  await direct[Symbol.asyncDispose]();
  await database[Symbol.asyncDispose]();
});

const marks = async () =>
  (await direct.sql<{ who: string }[]>`select who from marks order by who`).map((row) => row.who);

/**
 * On a pool of one connection: opens a transaction that writes a mark, cuts its connection while its callback
 * waits for `goOn`, then opens a second caller's transaction on the reconnected connection that holds until
 * the test lets it finish.
 */
async function cutTransactionThenAnother(
  door: DatabaseDoor,
  sql: postgres.Sql,
  afterTheCut: (tx: postgres.TransactionSql) => Promise<unknown>,
) {
  const written = deferred();
  const goOn = deferred();
  const first = sql.begin(async (tx) => {
    await tx`insert into marks values ('first, before the cut')`;
    written.resolve();
    await goOn.promise;
    return afterTheCut(tx);
  });
  await written.promise;
  door.shut();
  await expect(first).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
  door.open();

  const secondHolds = deferred();
  const secondFinishes = deferred<'commit' | 'rollback'>();
  const second = sql.begin(async (tx) => {
    await tx`insert into marks values ('second')`;
    secondHolds.resolve();
    if ((await secondFinishes.promise) === 'rollback') throw new Error('second rolls back');
  });
  await secondHolds.promise;
  return {
    /** Lets the cut callback run what it does after the cut. */
    resumeFirst: () => goOn.resolve(),
    /** Lets the second transaction end as asked; resolves with whether it failed. */
    finishSecond: async (how: 'commit' | 'rollback') => {
      secondFinishes.resolve(how);
      return second.then(
        () => 'fulfilled',
        () => 'rejected',
      );
    },
  };
}

describe('a transaction whose connection is cut while its callback waits', () => {
  it('fails the queries its callback sends later, and none of them runs in the next caller’s transaction', async () => {
    await using door = await openDatabaseDoor(database.url);
    await using pool = client(door.url);
    const lateInsert = deferred<string | undefined>();
    const { resumeFirst, finishSecond } = await cutTransactionThenAnother(door, pool.sql, async (tx) => {
      lateInsert.resolve(
        await tx`insert into marks values ('first, after the cut')`.then(
          () => 'inserted',
          (error: { code?: string }) => error.code,
        ),
      );
    });
    resumeFirst();
    expect(await lateInsert.promise).toBe('CONNECTION_CLOSED');

    expect(await finishSecond('commit')).toBe('fulfilled');
    expect(await marks()).toEqual(['second']);
  });

  it.each([
    { end: 'returns', first: 'commit', second: 'rollback', expected: [] },
    { end: 'throws', first: 'rollback', second: 'commit', expected: ['second'] },
  ] as const)(
    'whose callback then $end: its automatic $first does not reach the next caller’s transaction',
    async ({ end, second: secondEnds, expected }) => {
      await using door = await openDatabaseDoor(database.url);
      await using pool = client(door.url);
      const firstEnds = deferred();
      const { resumeFirst, finishSecond } = await cutTransactionThenAnother(door, pool.sql, async () => {
        firstEnds.resolve();
        if (end === 'throws') throw new Error('first gives up');
      });
      resumeFirst();
      await firstEnds.promise;
      // The automatic commit or rollback is handed over within the callbacks of this turn; the second
      // transaction's own end comes after it.
      await nextTurn();

      expect(await finishSecond(secondEnds)).toBe(secondEnds === 'commit' ? 'fulfilled' : 'rejected');
      expect(await marks()).toEqual(expected);
    },
  );

  it('cut by a reset during its query: fails what its callback sends before the socket closes, and the pool goes on', async () => {
    await using door = await openDatabaseDoor(database.url);
    await using pool = client(door.url);
    const onTheError = deferred<ReturnType<typeof watch>>();
    const cut = pool.sql.begin(async (tx) => {
      try {
        await tx`select pg_sleep(60)`;
      } catch (error) {
        // A reset is reported ('error') before the socket closes ('close'): this query is sent in between.
        onTheError.resolve(watch(tx`select 'sent on the error'`.execute()));
        throw error;
      }
    });
    await waitForSleep();
    door.shut({ reset: true });
    door.open();
    await expect(cut).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
    const late = await onTheError.promise;
    await nextTurn();
    expect(late()).toEqual({ state: 'rejected', code: 'CONNECTION_CLOSED' });

    for (const n of [1, 2, 3]) expect(await pool.sql`select ${n}::int as n`).toEqual([{ n }]);
  });

  it('fails the queries waiting in its own queue instead of leaving them pending', async () => {
    await using door = await openDatabaseDoor(database.url);
    await using pool = client(door.url);
    const handedOver = deferred<{ running: Promise<unknown>; waiting: Promise<unknown>[] }>();
    const cut = pool.sql.begin(async (tx) => {
      // A statement with a parameter is described first, so the connection takes no more queries until it
      // ends: the next ones wait in the transaction's own queue.
      const running = tx`select pg_sleep(60) where ${1}::int = 1`;
      const waiting = [tx`select 1 as one`, tx`select 2 as two`];
      handedOver.resolve({ running, waiting });
      await Promise.all([running, ...waiting]);
    });
    const { running, waiting } = await handedOver.promise;
    const outcomes = [running, ...waiting].map(watch);
    await waitForSleep();

    door.shut();
    await expect(cut).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
    await nextTurn();
    const [runningOutcome, ...waitingOutcomes] = outcomes.map((outcome) => outcome());
    // The running query reads the broken socket: a close, or a reset when the door destroyed its end with
    // bytes of ours still unread (Linux answers that with RST). The waiting ones were never sent.
    expect(runningOutcome).toEqual({
      state: 'rejected',
      code: expect.stringMatching(/^(CONNECTION_CLOSED|ECONNRESET)$/),
    });
    expect(waitingOutcomes).toEqual([
      { state: 'rejected', code: 'CONNECTION_CLOSED' },
      { state: 'rejected', code: 'CONNECTION_CLOSED' },
    ]);

    door.open();
    expect(await pool.sql`select 3 as three`).toEqual([{ three: 3 }]);
  });
});

describe('a connection reset while a new connection loads its types', () => {
  it('fails the query that opened it, ends no process, and the next query gets a fresh connection', async () => {
    const unhandled: unknown[] = [];
    const note = (error: unknown) => unhandled.push(error);
    process.on('unhandledRejection', note);
    process.on('uncaughtException', note);
    try {
      await using door = await openDatabaseDoor(database.url);
      let resets = 0;
      await using pool = client(door.url, {
        // Called as each query is sent: reset the connection just as it asks for the array types.
        debug: (_connection, query) => {
          if (resets === 0 && query.includes('pg_catalog.pg_type')) {
            resets++;
            door.shut({ reset: true });
            door.open();
          }
        },
      });
      const error = await pool.sql`select 1 as one`.then(
        () => undefined,
        (reason: { code?: string }) => reason,
      );
      expect(error?.code).toMatch(/^(ECONNRESET|EPIPE)$/);
      expect(await pool.sql`select 2 as two`).toEqual([{ two: 2 }]);
      await nextTurn();
      expect(resets).toBe(1);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', note);
      process.off('uncaughtException', note);
    }
  });
});

/** Waits until the test's pg_sleep runs on the server. */
async function waitForSleep(): Promise<void> {
  for (let tries = 0; tries < 400; tries++) {
    const [row] = await direct.sql<{ running: boolean }[]>`
      select exists (
        select 1 from pg_stat_activity where datname = current_database() and state = 'active' and query like 'select pg_sleep(60)%'
      ) as running`;
    if (row?.running) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('the transaction’s pg_sleep never started');
}

describe('a connection whose backend is terminated during a query', () => {
  it("answers the next query on the reconnected connection, not with the old backend's error", async () => {
    await using pool = client(database.url);
    const [{ pid } = { pid: 0 }] = await pool.sql<{ pid: number }[]>`select pg_backend_pid() as pid`;
    const slow = pool.sql`select pg_sleep(30)`.execute();
    const running = async () =>
      (await direct.sql`select 1 from pg_stat_activity where pid = ${pid} and state = 'active'`).length > 0;
    while (!(await running())) await new Promise((resolve) => setTimeout(resolve, 20));
    await direct.sql`select pg_terminate_backend(${pid})`;
    // Its own failure names the cut (57P01 or CONNECTION_CLOSED, whichever the driver reads first).
    await expect(slow).rejects.toThrow();
    await expect(pool.sql`select 1 as one`).resolves.toEqual([{ one: 1 }]);
  });
});
