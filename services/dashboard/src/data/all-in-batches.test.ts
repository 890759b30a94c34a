import type { RedriveAllOutput } from '@kaygraph/contracts';
import { describe, expect, it } from 'vitest';
import { allInBatches } from './all-in-batches.ts';
import type { Optional } from './api.ts';

/**
 * An api with `total` dead letters that redrives at most `batch` of them per call and says whether more
 * remain (`has_more`); `says: false`, one that does not say (as cancelQueued, or an older api).
 */
function server(total: number, batch: number, says = true) {
  let next = 0;
  let calls = 0;
  const ids = (count: number) => Array.from({ length: count }, (_, index) => `task-${next + index}`);
  const call = async (): Promise<Optional<{ redriven: number; task_ids: string[]; has_more?: boolean }>> => {
    calls += 1;
    const taken = Math.min(batch, total - next);
    const task_ids = ids(taken);
    next += taken;
    return {
      state: 'ready',
      value: { redriven: taken, task_ids, ...(says ? { has_more: next < total } : {}) },
    };
  };
  return { call, calls: () => calls };
}

describe('allInBatches (Redrive all, Retry all failed, Cancel all queued)', () => {
  it('calls again while the api says more remain, and counts them all', async () => {
    const api = server(120, 50);
    await expect(allInBatches(api.call)).resolves.toEqual({
      state: 'stopped',
      done: 120,
      error: null,
      more: false,
    });
    // No last call that finds none: the third said none remain.
    expect(api.calls()).toBe(3);
  });

  it('from an api that does not say, calls again until a call handles none', async () => {
    const api = server(120, 50, false);
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
      { redriven: 2, task_ids: ['a', 'b'], has_more: true },
      { redriven: 2, task_ids: ['c', 'a'], has_more: true },
      { redriven: 2, task_ids: ['b', 'c'], has_more: true },
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

  it('after a task came back, says more remain only when the api says so', async () => {
    const answers: RedriveAllOutput[] = [
      { redriven: 2, task_ids: ['a', 'b'], has_more: true },
      // 'a' failed again and was redriven again: nothing is left.
      { redriven: 1, task_ids: ['a'], has_more: false },
    ];
    let calls = 0;
    const call = async (): Promise<Optional<RedriveAllOutput>> => {
      const value = answers[calls++];
      if (!value) throw new Error('called too often');
      return { state: 'ready', value };
    };
    await expect(allInBatches(call)).resolves.toMatchObject({ done: 2, error: null, more: false });
  });

  it('stops when a call handles none though the api says more remain, saying so', async () => {
    let calls = 0;
    const call = async (): Promise<Optional<RedriveAllOutput>> => {
      calls += 1;
      return { state: 'ready', value: { redriven: 0, task_ids: [], has_more: true } };
    };
    await expect(allInBatches(call)).resolves.toMatchObject({ done: 0, error: null, more: true });
    expect(calls).toBe(1);
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

  it("hands each call the answer before it: a clean's later calls reuse the server's cutoff", async () => {
    const sent: (string | undefined)[] = [];
    let next = 0;
    const clean = async (previous: { finished_before: string } | undefined) => {
      sent.push(previous?.finished_before);
      next += 1;
      return {
        state: 'ready' as const,
        value: {
          task_ids: [`task-${next}`],
          has_more: next < 3,
          finished_before: '2030-01-01T00:00:00.000Z',
        },
      };
    };
    await expect(allInBatches(clean)).resolves.toMatchObject({ done: 3, more: false });
    expect(sent).toEqual([undefined, '2030-01-01T00:00:00.000Z', '2030-01-01T00:00:00.000Z']);
  });
});
