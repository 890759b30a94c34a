import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../src/db.ts';
import { arrayLiteral } from '../src/store/boss.ts';
import { startTestSystem, type TestSystem } from './harness.ts';

/** The array literals pg-boss' array parameters are bound as (store/boss.ts), read back by PostgreSQL. */

let harness: TestSystem;

beforeAll(async () => {
  harness = await startTestSystem();
});
afterAll(async () => {
  await harness?.[Symbol.asyncDispose]();
});

async function readBack(
  literal: string | undefined,
  type: 'text[]' | 'int[]' | 'text[][]',
): Promise<unknown> {
  // Read as JSON text: what PostgreSQL made of the literal, not what a client's array parser makes of it.
  const [row] = rowsOf<{ value: string }>(
    await harness.system.context.db.execute(sql`select to_json(${literal}::${sql.raw(type)})::text as value`),
  );
  return row ? JSON.parse(row.value) : undefined;
}

describe('arrayLiteral', () => {
  it('reads back as the strings it was given, quotes, backslashes, commas, braces and NULL spelt out', async () => {
    const values = ['plain', 'with "quotes"', 'back\\slash', 'a,b', '{braces}', ' spaced ', '', 'NULL', null];
    expect(await readBack(arrayLiteral(values), 'text[]')).toEqual(values);
  });

  it('reads back numbers and nested arrays', async () => {
    expect(await readBack(arrayLiteral([0, 3, -7]), 'int[]')).toEqual([0, 3, -7]);
    expect(
      await readBack(
        arrayLiteral([
          ['a', 'b'],
          ['"c"', null],
        ]),
        'text[][]',
      ),
    ).toEqual([
      ['a', 'b'],
      ['"c"', null],
    ]);
  });

  it('leaves an array holding anything else to the adapter', () => {
    expect(arrayLiteral(['a', { b: 1 }])).toBeUndefined();
    expect(arrayLiteral([new Date(0)])).toBeUndefined();
  });
});
