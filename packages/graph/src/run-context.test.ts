import { describe, expect, it } from 'vitest';
import { AbortedError, BatchNode, Graph, Node, type ProgressReport } from './index.ts';

type Store = { ran: string[] };

class Mark extends Node<Store> {
  override post(shared: Store) {
    shared.ran.push(this.id);
  }
}

/** A clock the test moves: each Tick node takes exactly one second. */
function fakeClock() {
  const clock = { ms: 0, now: () => clock.ms };
  return clock;
}

/** Options naming a node and the progress step it shows (here the same word). */
const named = (id: string) => ({ id, step: id });

class Tick extends Mark {
  readonly clock: { ms: number };
  constructor(clock: { ms: number }, id: string) {
    super(named(id));
    this.clock = clock;
  }
  override exec() {
    this.clock.ms += 1000;
  }
}

function chain(...nodes: Node<Store>[]): Graph<Store> {
  const [first, ...rest] = nodes;
  if (!first) throw new Error('empty chain');
  rest.reduce<Node<Store>>((previous, node) => previous.next(node), first);
  return new Graph(first);
}

describe('abort', () => {
  it('stops before the next node once the signal aborts; later nodes never run', async () => {
    const controller = new AbortController();
    class CancelDuring extends Mark {
      override exec() {
        controller.abort('cancelled by user');
      }
    }
    const graph = chain(new Mark({ id: 'a' }), new CancelDuring({ id: 'b' }), new Mark({ id: 'c' }));
    const shared: Store = { ran: [] };
    const error = await graph.run(shared, { signal: controller.signal }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AbortedError);
    expect((error as AbortedError).reason).toBe('cancelled by user');
    expect(shared.ran).toEqual(['a', 'b']);
    expect((error as AbortedError).metrics.map((metric) => metric.node_id)).toEqual(['a', 'b']);
  });

  it('runs nothing when the signal is already aborted', async () => {
    const shared: Store = { ran: [] };
    await expect(chain(new Mark()).run(shared, { signal: AbortSignal.abort() })).rejects.toThrow(
      AbortedError,
    );
    expect(shared.ran).toEqual([]);
  });

  it('offers the signal to nodes; an exec failing after the abort is neither retried nor handed to fallback or onError', async () => {
    const controller = new AbortController();
    const calls: string[] = [];
    class Download extends Mark {
      override exec() {
        calls.push('exec');
        return new Promise((_resolve, reject) => {
          this.ctx.signal.addEventListener('abort', () => reject(new Error('socket closed')));
          controller.abort();
        });
      }
      override execFallback(): never {
        calls.push('fallback');
        throw new Error('unreachable');
      }
      override onError() {
        calls.push('onError');
        return true;
      }
    }
    const error = await chain(new Download({ id: 'download', maxRetries: 3 }))
      .run({ ran: [] }, { signal: controller.signal })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AbortedError);
    expect((error as AbortedError).cause).toEqual(new Error('socket closed'));
    expect(calls).toEqual(['exec']);
    expect((error as AbortedError).metrics).toEqual([
      expect.objectContaining({ node_id: 'download', outcome: 'aborted', attempts: 1 }),
    ]);
  });

  it('turns any step failure after the abort into AbortedError, bypassing onError', async () => {
    const controller = new AbortController();
    let onErrorCalls = 0;
    class Prepping extends Mark {
      override async prep() {
        controller.abort('shutdown');
        await new Promise((resolve) => setTimeout(resolve, 0));
        this.ctx.signal.throwIfAborted();
      }
      override onError() {
        onErrorCalls++;
        return true;
      }
    }
    const error = await chain(new Prepping())
      .run({ ran: [] }, { signal: controller.signal })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AbortedError);
    expect((error as AbortedError).reason).toBe('shutdown');
    expect(onErrorCalls).toBe(0);
  });

  it('stops a batch between items', async () => {
    const controller = new AbortController();
    const done: number[] = [];
    class Items extends BatchNode<Store, number, number> {
      override prep() {
        return [1, 2, 3, 4];
      }
      override exec(item: number) {
        done.push(item);
        if (item === 2) controller.abort();
        return item;
      }
    }
    await expect(chain(new Items()).run({ ran: [] }, { signal: controller.signal })).rejects.toThrow(
      AbortedError,
    );
    expect(done).toEqual([1, 2]);
  });

  it('cuts a retry wait short', async () => {
    const controller = new AbortController();
    let attempts = 0;
    class Flaky extends Mark {
      override exec(): never {
        attempts++;
        setTimeout(() => controller.abort(), 1);
        throw new Error('try again');
      }
    }
    const node = new Flaky({ maxRetries: 5, wait: 3_600_000 });
    await expect(chain(node).run({ ran: [] }, { signal: controller.signal })).rejects.toThrow(AbortedError);
    expect(attempts).toBe(1);
  });
});

describe('progress', () => {
  it('derives percent from the position in the graph and an ETA from the rate so far', async () => {
    const clock = fakeClock();
    const reports: ProgressReport[] = [];
    const graph = chain(
      new Tick(clock, 'a'),
      new Tick(clock, 'b'),
      new Tick(clock, 'c'),
      new Tick(clock, 'd'),
    );
    await graph.run({ ran: [] }, { now: clock.now, onProgress: (report) => reports.push(report) });
    expect(reports).toEqual([
      { percent: 0, step: 'a', message: null, etaSeconds: null },
      { percent: 25, step: 'b', message: null, etaSeconds: 3 },
      { percent: 50, step: 'c', message: null, etaSeconds: 2 },
      { percent: 75, step: 'd', message: null, etaSeconds: 1 },
      { percent: 100, step: 'd', message: null, etaSeconds: 0 },
    ]);
  });

  it('estimates branches by the longest path left, jumping ahead when a short branch is taken', async () => {
    class Decide extends Mark {
      override post(shared: Store) {
        super.post(shared);
        return 'short';
      }
    }
    const decide = new Decide(named('decide'));
    decide
      .on('long', new Mark(named('l1')))
      .next(new Mark(named('l2')))
      .next(new Mark(named('l3')));
    decide.on('short', new Mark(named('s1')));
    const reports: ProgressReport[] = [];
    await new Graph(decide).run({ ran: [] }, { onProgress: (report) => reports.push(report) });
    expect(reports.map((report) => [report.step, report.percent])).toEqual([
      ['decide', 0],
      ['s1', 50],
      ['s1', 100],
    ]);
  });

  it("shows a node's step name when it starts, never its id; unnamed nodes keep the step shown", async () => {
    class Reporting extends Mark {
      override exec() {
        this.ctx.progress({ step: 'Reported by the node' });
      }
    }
    const inner = new Graph(new Mark({ id: 'inner_1' }), { id: 'phase_2', step: 'Second phase' });
    const steps: Array<string | null> = [];
    await chain(
      new Mark({ id: 'setup_0' }),
      new Mark({ id: 'load_1', step: 'First phase' }),
      new Mark({ id: 'load_2' }),
      inner,
      new Reporting({ id: 'report_3' }),
    ).run({ ran: [] }, { onProgress: (report) => steps.push(report.step) });
    expect([...new Set(steps)]).toEqual([null, 'First phase', 'Second phase', 'Reported by the node']);
  });

  it('never goes backwards when a loop grows the estimate', async () => {
    class Again extends Mark {
      override post(shared: Store) {
        super.post(shared);
        return shared.ran.length < 6 ? 'again' : 'done';
      }
    }
    const again = new Again({ id: 'again' });
    again.on('again', again);
    again.on('done', new Mark({ id: 'end' }));
    const percents: number[] = [];
    await new Graph(again).run({ ran: [] }, { onProgress: (report) => percents.push(report.percent) });
    expect(percents.length).toBeGreaterThan(5);
    expect(percents).toEqual([...percents].sort((x, y) => x - y));
    expect(percents.at(-1)).toBe(100);
  });

  it("maps a node's own percent into its share and keeps the position for step/message updates", async () => {
    class Reporting extends Mark {
      override exec() {
        this.ctx.progress({ percent: 50, message: 'half way' });
        this.ctx.progress({ step: 'uploading', message: 'still going' });
      }
    }
    const reports: ProgressReport[] = [];
    await chain(new Reporting(named('first')), new Mark(named('second'))).run(
      { ran: [] },
      { onProgress: (report) => reports.push(report) },
    );
    expect(reports.map(({ percent, step, message }) => ({ percent, step, message }))).toEqual([
      { percent: 0, step: 'first', message: null },
      { percent: 25, step: 'first', message: 'half way' },
      { percent: 25, step: 'uploading', message: 'still going' },
      { percent: 50, step: 'second', message: null },
      { percent: 100, step: 'second', message: null },
    ]);
  });

  it('advances through a batch item by item, and into nested graphs', async () => {
    class Items extends BatchNode<Store, number, number> {
      override prep() {
        return [1, 2, 3, 4];
      }
      override exec(item: number) {
        return item;
      }
    }
    class Half extends Mark {
      override exec() {
        this.ctx.progress({ percent: 50 });
      }
    }
    const inner = chain(new Half(named('inner-half')), new Mark(named('inner-end')));
    const percents: Array<[string | null, number]> = [];
    await chain(new Items(named('items')), inner).run(
      { ran: [] },
      { onProgress: (report) => percents.push([report.step, report.percent]) },
    );
    expect(percents).toEqual([
      ['items', 0],
      ['items', 12.5],
      ['items', 25],
      ['items', 37.5],
      ['items', 50],
      ['inner-half', 50],
      ['inner-half', 62.5],
      ['inner-end', 75],
      ['inner-end', 100],
    ]);
  });
});

describe('log', () => {
  it("forwards a node's log lines to onLog", async () => {
    class Chatty extends Mark {
      override exec() {
        this.ctx.log('info', 'fetched', { rows: 3 });
      }
    }
    const lines: unknown[] = [];
    await chain(new Chatty()).run({ ran: [] }, { onLog: (...line) => lines.push(line) });
    expect(lines).toEqual([['info', 'fetched', { rows: 3 }]]);
  });
});
