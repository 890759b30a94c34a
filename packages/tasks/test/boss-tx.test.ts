import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Executor } from '../src/db.ts';
import { bossTx } from '../src/queue/boss-tx.ts';
import { startTestSystem, type TestSystem } from './harness.ts';

let harness: TestSystem;

beforeAll(async () => {
  harness = await startTestSystem();
});
afterAll(async () => {
  await harness?.[Symbol.asyncDispose]();
});

describe('pg-boss statements on our connections', () => {
  it('binds an array parameter whole, so its elements arrive intact whatever they contain', async () => {
    const db = bossTx(harness.system.context.db);
    const texts = ['plain', 'with "quotes"', 'back\\slash', 'comma, and {braces}', 'NULL', '', 'ünïcode ✓'];
    const { rows } = await db.executeSql(
      'select $1::text[] as texts, $2::int[] as numbers, cardinality($1::text[]) as n',
      [texts, [3, -1, 0]],
    );
    expect(rows[0]).toEqual({ texts, numbers: [3, -1, 0], n: texts.length });
  });

  it('sends one statement text for every batch size, so a statement of any number of jobs is prepared once', async () => {
    const database = harness.system.context.db;
    const dialect = new PgDialect();
    const sent: { sql: string; params: unknown[] }[] = [];
    const recording = {
      execute(query: SQL) {
        sent.push(dialect.sqlToQuery(query));
        return database.execute(query);
      },
    } as unknown as Executor;
    const db = bossTx(recording);
    const ids = (n: number) =>
      Array.from({ length: n }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    for (const n of [1, 7, 300]) {
      const { rows } = await db.executeSql('select count(*)::int as n from unnest($1::uuid[]) as ids', [
        ids(n),
      ]);
      expect(rows[0]).toEqual({ n });
    }
    expect(new Set(sent.map((statement) => statement.sql)).size).toBe(1);
    expect(sent.map((statement) => statement.params.length)).toEqual([1, 1, 1]);
  });
});
