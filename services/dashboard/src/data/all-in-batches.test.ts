import type { RedriveAllOutput } from '@kaygraph/contracts';
import { describe, expect, it } from 'vitest';
import { allInBatches } from './all-in-batches.ts';
import type { Optional } from './api.ts';

/** An api with `total` dead letters that redrives at most `batch` of them per call. */
function server(total: number, batch: number) {
  let next = 0;
  let calls = 0;
  const ids = (count: number) => Array.from({ length: count }, (_, index) => `task-${next + index}`);
  const call = async (): Promise<Optional<RedriveAllOutput>> => {
    calls += 1;
    const taken = Math.min(batch, total - next);
    const task_ids = ids(taken);
    next += taken;
    return { state: 'ready', value: { redriven: taken, task_ids } };
  };
  return { call, calls: () => calls };
}

describe('allInBatches (Redrive all, Retry all failed, Cancel all queued)', () => {
  it('calls again until a call redrives none, and counts them all', async () => {
    const api = server(120, 50);
    await expect(allInBatches(api.call)).resolves.toEqual({
      state: 'stopped',
      done: 120,
      error: null,
      more: false,
    });
    expect(api.calls()).toBe(4);
  });

  it('stops at an error, keeping the count so far', async () => {
    const api = server(120, 50);
    const refused = new Error('queue full');
    const call = () => (api.calls() < 2 ? api.call() : Promise.reject(refused));
    await expect(allInBatches(call)).resolves.toEqual({
      state: 'stopped',
      done: 100,
      error: refused,
      more: false,
    });
  });

  it('stops when a task it redrove comes back (it failed again), counting each task once', async () => {
    const answers: RedriveAllOutput[] = [
      { redriven: 2, task_ids: ['a', 'b'] },
      { redriven: 2, task_ids: ['c', 'a'] },
      { redriven: 2, task_ids: ['b', 'c'] },
    ];
    let calls = 0;
    const call = async (): Promise<Optional<RedriveAllOutput>> => {
      const value = answers[calls++];
      if (!value) throw new Error('called too often');
      return { state: 'ready', value };
    };
    // Some may be left behind the one that failed again.
    await expect(allInBatches(call)).resolves.toMatchObject({ done: 3, error: null, more: true });
    expect(calls).toBe(2);
  });

  it('says so when the server has no dead-letter queue', async () => {
    await expect(
      allInBatches(async () => ({ state: 'unavailable', reason: 'no orchestration' })),
    ).resolves.toEqual({
      state: 'unavailable',
      reason: 'no orchestration',
    });
  });

  it('gives up after 100 calls and says more may remain', async () => {
    const api = server(100_000, 50);
    await expect(allInBatches(api.call)).resolves.toEqual({
      state: 'stopped',
      done: 5000,
      error: null,
      more: true,
    });
  });
});
