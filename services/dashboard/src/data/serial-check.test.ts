import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { serialCheck } from './serial-check.ts';

/** A check whose runs end when the test says so, recording what each applied. */
function recorder() {
  const ends: (() => void)[] = [];
  const applied: number[] = [];
  let runs = 0;
  const check = (current: () => boolean) => {
    const run = ++runs;
    return new Promise<void>((resolve) => {
      ends.push(() => {
        if (current()) applied.push(run);
        resolve();
      });
    });
  };
  return { check, ends, applied, runs: () => runs };
}

describe('serialCheck', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs one at a time, merges requests meanwhile into one, and spaces the starts', async () => {
    const r = recorder();
    const checks = serialCheck(r.check, 10_000);
    checks.request();
    expect(r.runs()).toBe(1);
    checks.request();
    checks.request();
    checks.request();
    expect(r.runs()).toBe(1);
    r.ends[0]?.();
    await vi.advanceTimersByTimeAsync(0);
    // Queued, but not before 10 s after the first started.
    expect(r.runs()).toBe(1);
    await vi.advanceTimersByTimeAsync(9_999);
    expect(r.runs()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(r.runs()).toBe(2);
    r.ends[1]?.();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(r.runs()).toBe(2);
    expect(r.applied).toEqual([1, 2]);
  });

  it('a request after the spacing runs at once; after dispose nothing runs or applies', async () => {
    const r = recorder();
    const checks = serialCheck(r.check, 10_000);
    checks.request();
    r.ends[0]?.();
    await vi.advanceTimersByTimeAsync(10_000);
    checks.request();
    expect(r.runs()).toBe(2);
    checks.request();
    checks.dispose();
    r.ends[1]?.();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(r.runs()).toBe(2);
    expect(r.applied).toEqual([1]);
  });
});
