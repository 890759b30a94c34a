import { type TrackedEnvelope, tracked } from '@trpc/server';
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { trackedIterableOf } from './tracked-output.ts';

const Item = z.object({ n: z.number() });

/** A source that records whether it ended (its `finally` ran, as a subscription's slot is released). */
function source(items: unknown[]) {
  const state = { ended: false };
  async function* run(): AsyncGenerator<TrackedEnvelope<unknown>> {
    try {
      for (const [index, item] of items.entries()) yield tracked(String(index + 1), item);
    } finally {
      state.ended = true;
    }
  }
  return { state, run };
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of iterable) out.push(value);
  return out;
}

describe('trackedIterableOf', () => {
  test('yields each item parsed, under its id', async () => {
    const { run } = source([{ n: 1, extra: true }, { n: 2 }]);
    const output = trackedIterableOf(Item).parse(run());
    const envelopes = await collect(output);
    expect(envelopes.map(([id, data]) => [id, data])).toEqual([
      ['1', { n: 1 }],
      ['2', { n: 2 }],
    ]);
  });

  test('an item shared by several streams is parsed once, and they get the same output', async () => {
    let parses = 0;
    const Counted = Item.transform((item) => {
      parses += 1;
      return item;
    });
    const schema = trackedIterableOf(Counted);
    const shared = { n: 7 };
    const [first, second] = await Promise.all([
      collect(schema.parse(source([shared]).run())),
      collect(schema.parse(source([shared]).run())),
    ]);
    expect(parses).toBe(1);
    expect(first[0]?.[1]).toBe(second[0]?.[1]);
  });

  test('an invalid item fails the stream and ends its source', async () => {
    const { state, run } = source([{ n: 1 }, { n: 'two' }, { n: 3 }]);
    const seen: unknown[] = [];
    await expect(async () => {
      for await (const [, data] of trackedIterableOf(Item).parse(run())) seen.push(data);
    }).rejects.toThrow(z.ZodError);
    expect(seen).toEqual([{ n: 1 }]);
    expect(state.ended).toBe(true);
  });

  test('stopping the stream ends its source', async () => {
    const { state, run } = source([{ n: 1 }, { n: 2 }]);
    for await (const _envelope of trackedIterableOf(Item).parse(run())) break;
    expect(state.ended).toBe(true);
  });
});
