import { describe, expect, it } from 'vitest';
import { AbortedError, Graph, METRICS_KEPT, MetricsLog, Node, type NodeMetric } from './index.ts';

type Loop = { turns: number; until: number };

class Decide extends Node<Loop> {
  override post(shared: Loop) {
    return shared.turns < shared.until ? 'act' : 'done';
  }
}

class Act extends Node<Loop> {
  override post(shared: Loop) {
    shared.turns++;
  }
}

class Flaky extends Node<Loop, void, string> {
  calls = 0;
  override exec() {
    this.calls++;
    if (this.calls % 2 === 1) throw new Error('first try fails');
    return 'ok';
  }
}

/** The loop ends by an action without an edge: not worth a warning here. */
const quiet = { logger: { warn: () => {} } };

/** decide -> act -> decide ... until `until` turns, then ends with `done`. */
function loopGraph(): Graph<Loop> {
  const decide = new Decide({ id: 'decide' });
  decide.on('act', new Act({ id: 'act' })).next(decide);
  return new Graph(decide, { id: 'loop' });
}

const step = (node_id: string, fields: Partial<NodeMetric> = {}): NodeMetric => ({
  node_id,
  duration_ms: 1,
  attempts: 1,
  outcome: 'ok',
  action: 'default',
  ...fields,
});

describe('metrics of a run that loops', () => {
  it('keep the most recent steps, count the rest and sum every step per node', async () => {
    const until = 50_000;
    const run = await new Graph(loopGraph()).run({ turns: 0, until }, quiet);

    expect(run.metrics).toHaveLength(METRICS_KEPT);
    // decide runs once more than act; the loop graph itself is one step.
    const steps = 2 * until + 1 + 1;
    expect(run.metricsOmitted).toBe(steps - METRICS_KEPT);
    expect(run.metrics.at(-1)).toMatchObject({ node_id: 'loop', action: 'done' });
    expect(
      run.metricsByNode.map(({ node_id, runs, attempts, outcomes, last_action }) => ({
        node_id,
        runs,
        attempts,
        ok: outcomes.ok,
        last_action,
      })),
    ).toEqual([
      { node_id: 'decide', runs: until + 1, attempts: until + 1, ok: until + 1, last_action: 'done' },
      { node_id: 'act', runs: until, attempts: until, ok: until, last_action: 'default' },
      { node_id: 'loop', runs: 1, attempts: 0, ok: 1, last_action: 'done' },
    ]);
    for (const totals of run.metricsByNode) {
      expect(totals.max_duration_ms).toBeLessThanOrEqual(totals.total_duration_ms);
    }
  });

  it('list every step while they fit', async () => {
    const run = await new Graph(loopGraph()).run({ turns: 0, until: 3 }, quiet);
    expect(run.metricsOmitted).toBe(0);
    expect(run.metrics.map((metric) => metric.node_id)).toEqual([
      ...['decide', 'act', 'decide', 'act', 'decide', 'act', 'decide'],
      'loop',
    ]);
  });

  it('keep as many as metricsKept says', async () => {
    const run = await new Graph(loopGraph()).run({ turns: 0, until: 10 }, { ...quiet, metricsKept: 4 });
    expect(run.metrics.map((metric) => metric.node_id)).toEqual(['decide', 'act', 'decide', 'loop']);
    expect(run.metricsOmitted).toBe(2 * 10 + 1 + 1 - 4);
  });

  it('are bounded on an aborted run too', async () => {
    const controller = new AbortController();
    class Stop extends Act {
      override post(shared: Loop) {
        super.post(shared);
        if (shared.turns === 5_000) controller.abort('enough');
      }
    }
    const decide = new Decide({ id: 'decide' });
    decide.on('act', new Stop({ id: 'act' })).next(decide);
    const error = await new Graph(decide)
      .run({ turns: 0, until: 10_000 }, { signal: controller.signal, metricsKept: 10 })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AbortedError);
    const aborted = error as AbortedError;
    expect(aborted.metrics).toHaveLength(10);
    expect(aborted.metricsOmitted + aborted.metrics.length).toBe(10_000);
    expect(aborted.metricsByNode.map((totals) => [totals.node_id, totals.runs])).toEqual([
      ['decide', 5_000],
      ['act', 5_000],
    ]);
  });
});

describe('MetricsLog', () => {
  it('counts outcomes, attempts and durations per node', () => {
    const log = new MetricsLog(2);
    log.add(step('fetch', { duration_ms: 5, attempts: 3, outcome: 'fallback' }));
    log.add(step('fetch', { duration_ms: 2, attempts: 1, outcome: 'error', action: null }));
    log.add(step('save', { duration_ms: 1 }));
    expect(log.snapshot()).toEqual({
      recent: [step('fetch', { duration_ms: 2, attempts: 1, outcome: 'error', action: null }), step('save')],
      omitted: 1,
      byNode: [
        {
          node_id: 'fetch',
          runs: 2,
          total_duration_ms: 7,
          max_duration_ms: 5,
          attempts: 4,
          outcomes: { ok: 0, fallback: 1, error: 1, swallowed: 0, aborted: 0 },
          last_action: null,
        },
        {
          node_id: 'save',
          runs: 1,
          total_duration_ms: 1,
          max_duration_ms: 1,
          attempts: 1,
          outcomes: { ok: 1, fallback: 0, error: 0, swallowed: 0, aborted: 0 },
          last_action: 'default',
        },
      ],
    });
  });

  it('continues an earlier snapshot, which later steps leave as it was', () => {
    const first = new MetricsLog(3);
    for (let i = 0; i < 5; i++) first.add(step('a', { duration_ms: i }));
    const earlier = first.snapshot();
    const log = MetricsLog.from(earlier, 3);
    log.add(step('b'));
    const now = log.snapshot();
    expect(now.omitted).toBe(3);
    expect(now.recent.map((metric) => [metric.node_id, metric.duration_ms])).toEqual([
      ['a', 3],
      ['a', 4],
      ['b', 1],
    ]);
    expect(now.byNode.map((totals) => [totals.node_id, totals.runs, totals.total_duration_ms])).toEqual([
      ['a', 5, 10],
      ['b', 1, 1],
    ]);
    expect(earlier.byNode).toHaveLength(1);
    expect(earlier.byNode[0]?.runs).toBe(5);
    expect(log.total).toBe(6);
  });

  it('keeps a snapshot of a smaller log within the new bound', () => {
    const wide = new MetricsLog(10);
    for (let i = 0; i < 8; i++) wide.add(step('a'));
    const narrow = MetricsLog.from(wide.snapshot(), 5).snapshot();
    expect(narrow.recent).toHaveLength(5);
    expect(narrow.omitted).toBe(3);
  });

  it('keeps none with a bound of 0 and still sums', () => {
    const log = new MetricsLog(0);
    log.add(step('a'));
    log.add(step('a'));
    expect(log.snapshot()).toMatchObject({ recent: [], omitted: 2, byNode: [{ node_id: 'a', runs: 2 }] });
  });

  it('refuses a bound that is not a whole number', () => {
    expect(() => new MetricsLog(-1)).toThrow(RangeError);
    expect(() => new MetricsLog(1.5)).toThrow(RangeError);
  });

  it('counts the exec calls of a step that retried', async () => {
    const flaky = new Flaky({ id: 'flaky', maxRetries: 2 });
    const run = await new Graph(flaky).run({ turns: 0, until: 0 });
    expect(run.metricsByNode[0]).toMatchObject({ node_id: 'flaky', runs: 1, attempts: 2 });
  });
});
