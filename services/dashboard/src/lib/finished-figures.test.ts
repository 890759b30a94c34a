import { describe, expect, it } from 'vitest';
import { finishedFigures } from './finished-figures.ts';
import type { Totals } from './series.ts';
import type { Counts } from './status-counts.ts';
import { metricsCounts } from './test-fixtures.ts';

const exact = (value: number) => ({ value, atLeast: false });
const atLeast = (value: number) => ({ value, atLeast: true });
const none = exact(0);

/** What a page holds when 2,510 tasks completed and 310 failed this hour: the newest 1,000 of each. */
const capped: Counts = {
  queued: none,
  running: none,
  waiting: none,
  blocked: none,
  scheduled: none,
  completed: atLeast(1000),
  failed: atLeast(300),
  cancelled: none,
};
const totals: Totals = { completed: 1000, failed: 300, cancelled: 0, avgDuration: 2, p95Duration: 4 };

const server = metricsCounts({
  tasks_completed: 2510,
  tasks_failed: 310,
  avg_duration: 3,
  error_rate: 0.11,
});

describe('finishedFigures', () => {
  it("shows the server's counts, error rate and average, whatever the page could load", () => {
    const counts = { ...capped, completed: exact(2510), failed: exact(310) };
    const figures = finishedFigures(counts, server, { totals, truncated: new Set(['completed', 'failed']) });
    expect(figures.completed).toEqual({ text: '2510', partial: false });
    expect(figures.failed).toEqual({ text: '310', partial: false });
    expect(figures.errorRate).toEqual({ text: '11 %', partial: false });
    expect(figures.avgDuration).toEqual({ text: '3.0 s', partial: false });
    // The server has no p95: it comes from the page, which holds the newest completed tasks only.
    expect(figures.p95Duration).toEqual({ text: '4.0 s', partial: true });
  });

  it('marks what comes from a cut-off list on a server without metrics', () => {
    const figures = finishedFigures(capped, null, { totals, truncated: new Set(['completed', 'failed']) });
    expect(figures.completed.text).toBe('≥ 1000');
    expect(figures.errorRate).toEqual({ text: '23 %', partial: true });
    expect(figures.avgDuration.partial).toBe(true);
    const whole = finishedFigures({ ...capped, completed: exact(3), failed: exact(1) }, null, {
      totals,
      truncated: new Set(),
    });
    expect(whole.errorRate).toEqual({ text: '25 %', partial: false });
    expect(whole.p95Duration.partial).toBe(false);
  });
});
