import { expect, it } from 'vitest';
import { SerialWrites } from '../src/worker/serial-writes.ts';

it('writes one batch at a time: items added while a write runs go together in the next one', async () => {
  const batches: string[][] = [];
  let finishFirst!: () => void;
  const firstHeld = new Promise<void>((resolve) => {
    finishFirst = resolve;
  });
  const writes = new SerialWrites<string>(async (items) => {
    batches.push(items);
    if (batches.length === 1) await firstHeld;
  });

  const first = writes.add('a');
  const later = [writes.add('b'), writes.add('c')];
  expect(batches).toEqual([['a']]);
  finishFirst();
  await Promise.all([first, ...later]);

  expect(batches).toEqual([['a'], ['b', 'c']]);
});

it('a failed write rejects its own items only; the next items are written', async () => {
  const written: string[] = [];
  const writes = new SerialWrites<string>(async (items) => {
    if (items.includes('bad')) throw new Error('refused');
    written.push(...items);
  });

  const results = await Promise.allSettled([writes.add('bad')]);
  await writes.add('good');

  expect(results[0]?.status).toBe('rejected');
  expect(written).toEqual(['good']);
});
