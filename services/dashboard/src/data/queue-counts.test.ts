import type { MetricsSnapshot } from '@kaygraph/contracts';
import { describe, expect, it } from 'vitest';
import { metricsCounts, taskSummary } from '../lib/test-fixtures.ts';
import type { Optional } from './api.ts';
import type { Loadable } from './hooks.ts';
import { queueCounts } from './queue-counts.ts';

const NOW = Date.parse('2026-01-01T12:00:00Z');

const counts = metricsCounts;

const snapshot: MetricsSnapshot = {
  ...counts({ tasks_completed: 2510, tasks_waiting: 1 }),
  window_seconds: 3600,
  by_workflow: { review: counts({ tasks_waiting: 1 }), etl: counts({ tasks_completed: 2510 }) },
  by_priority: {},
  scope: 'all',
  workers: 1,
  paused_workflows: [],
  generated_at: new Date(NOW).toISOString(),
};

const ready = (value: Optional<MetricsSnapshot>): Loadable<Optional<MetricsSnapshot>> => ({
  state: 'ready',
  value,
});

const waiting = taskSummary({
  workflow: 'review',
  status: 'waiting',
  created_at: new Date(NOW).toISOString(),
  updated_at: new Date(NOW).toISOString(),
});

const loadedPage = { loaded: true, tasks: [waiting], truncated: new Set(['completed'] as const) };

describe('queueCounts', () => {
  it('shows nothing before the live snapshot and the metrics have both arrived', () => {
    expect(queueCounts({ state: 'loading' }, loadedPage, NOW).state).toBe('loading');
    expect(
      queueCounts(ready({ state: 'ready', value: snapshot }), { ...loadedPage, loaded: false }, NOW).state,
    ).toBe('loading');
  });

  it("takes the server's counts, per workflow too, over the page's capped list", () => {
    const shown = queueCounts(ready({ state: 'ready', value: snapshot }), loadedPage, NOW);
    if (shown.state !== 'ready') throw new Error('expected counts');
    expect(shown.source).toBe('server');
    expect(shown.total.completed).toEqual({ value: 2510, atLeast: false });
    expect(shown.byWorkflow.map(([workflow, row]) => [workflow, row.waiting.value])).toEqual([
      ['etl', 0],
      ['review', 1],
    ]);
  });

  it("counts the page's tasks on a server without metrics, at least where a list was cut off", () => {
    const shown = queueCounts(ready({ state: 'unavailable', reason: 'no metrics' }), loadedPage, NOW);
    if (shown.state !== 'ready') throw new Error('expected counts');
    expect(shown.source).toBe('page');
    expect(shown.total.waiting).toEqual({ value: 1, atLeast: false });
    expect(shown.total.completed).toEqual({ value: 0, atLeast: true });
    expect(queueCounts({ state: 'error', message: 'refused' }, loadedPage, NOW).state).toBe('ready');
  });
});
