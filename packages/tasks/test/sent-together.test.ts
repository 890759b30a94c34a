import { expect, it } from 'vitest';
import { sentTogether } from '../src/db.ts';

const later = <T>(ms: number, value: () => T) =>
  new Promise<void>((resolve) => setTimeout(resolve, ms)).then(value);

it('resolves with every result in send order', async () => {
  expect(await sentTogether([later(5, () => 'a'), Promise.resolve(2)] as const)).toEqual(['a', 2]);
});

it('throws the first failure in send order, even when one behind it fails sooner', async () => {
  const deadlock = Object.assign(new Error('deadlock detected'), { code: '40P01' });
  const aborted = Object.assign(new Error('current transaction is aborted'), { code: '25P02' });
  const sending = sentTogether([
    later(10, () => {
      throw deadlock;
    }),
    Promise.reject(aborted),
  ]);
  await expect(sending).rejects.toBe(deadlock);
});
