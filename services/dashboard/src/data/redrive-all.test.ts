import type { RedriveAllOutput } from '@kaygraph/contracts';
import { describe, expect, it } from 'vitest';
import type { Optional } from './api.ts';
import { redriveAll } from './redrive-all.ts';

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

describe('redriveAll', () => {
  it('calls again until a call redrives none, and counts them all', async () => {
    const api = server(120, 50);
    await expect(redriveAll(api.call)).resolves.toEqual({
      state: 'stopped',
      redriven: 120,
      error: null,
      more: false,
    });
    expect(api.calls()).toBe(4);
  });

  it('stops at an error, keeping the count so far', async () => {
    const api = server(120, 50);
    const refused = new Error('queue full');
    const call = () => (api.calls() < 2 ? api.call() : Promise.reject(refused));
    await expect(redriveAll(call)).resolves.toEqual({
      state: 'stopped',
      redriven: 100,
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
    await expect(redriveAll(call)).resolves.toMatchObject({ redriven: 3, error: null, more: true });
    expect(calls).toBe(2);
  });

  it('says so when the server has no dead-letter queue', async () => {
    await expect(
      redriveAll(async () => ({ state: 'unavailable', reason: 'no orchestration' })),
    ).resolves.toEqual({
      state: 'unavailable',
      reason: 'no orchestration',
    });
  });

  it('gives up after 100 calls and says more may remain', async () => {
    const api = server(100_000, 50);
    await expect(redriveAll(api.call)).resolves.toEqual({
      state: 'stopped',
      redriven: 5000,
      error: null,
      more: true,
    });
  });
});
