import { describe, expect, it } from 'vitest';
import { AbortedError, Graph, Node } from './index.ts';

type Store = { events: string[] };

/** Opens a "connection" in setup and records its release in cleanup. */
class WithConnection extends Node<Store> {
  readonly failWith: Error | undefined;
  constructor(id: string, failWith?: Error) {
    super({ id });
    this.failWith = failWith;
  }
  override setup(shared: Store) {
    shared.events.push(`${this.id}: open`);
  }
  override exec() {
    if (this.failWith) throw this.failWith;
  }
  override post(shared: Store) {
    shared.events.push(`${this.id}: done`);
  }
  override cleanup(shared: Store) {
    shared.events.push(`${this.id}: close`);
  }
}

describe('setup and cleanup', () => {
  it('wrap the step on success', async () => {
    const { shared } = await new Graph(new WithConnection('db')).run({ events: [] });
    expect(shared.events).toEqual(['db: open', 'db: done', 'db: close']);
  });

  it('cleanup runs when the step fails, and the step error is what the run throws', async () => {
    const shared: Store = { events: [] };
    await expect(new Graph(new WithConnection('db', new Error('query failed'))).run(shared)).rejects.toThrow(
      'query failed',
    );
    expect(shared.events).toEqual(['db: open', 'db: close']);
  });

  it('cleanup runs when the run is aborted during the step', async () => {
    const controller = new AbortController();
    class Aborting extends WithConnection {
      override exec() {
        controller.abort();
        throw new Error('interrupted');
      }
    }
    const shared: Store = { events: [] };
    const start = new Aborting('db');
    start.next(new WithConnection('never'));
    await expect(new Graph(start).run(shared, { signal: controller.signal })).rejects.toThrow(AbortedError);
    expect(shared.events).toEqual(['db: open', 'db: close']);
  });

  it('cleanup runs when setup itself fails', async () => {
    class BadSetup extends WithConnection {
      override setup(shared: Store): never {
        shared.events.push('setup started');
        throw new Error('no connection');
      }
    }
    const shared: Store = { events: [] };
    await expect(new BadSetup('db').run(shared)).rejects.toThrow('no connection');
    expect(shared.events).toEqual(['setup started', 'db: close']);
  });

  it("a failing cleanup fails an otherwise good step, but never hides the step's own error", async () => {
    class BadCleanup extends WithConnection {
      override cleanup(): never {
        throw new Error('close failed');
      }
    }
    await expect(new BadCleanup('db').run({ events: [] })).rejects.toThrow('close failed');
    const warnings: string[] = [];
    await expect(
      new BadCleanup('db', new Error('query failed')).run(
        { events: [] },
        { logger: { warn: (message) => warnings.push(message) } },
      ),
    ).rejects.toThrow('query failed');
    expect(warnings).toEqual(['cleanup of node "db" failed after an earlier error']);
  });
});

describe('metrics', () => {
  it('records duration, attempts, outcome and action of every step, nested ones included', async () => {
    let clock = 0;
    class Timed extends Node<Store> {
      readonly ms: number;
      readonly action: string | undefined;
      constructor(id: string, ms: number, action?: string, maxRetries = 1) {
        super({ id, maxRetries });
        this.ms = ms;
        this.action = action;
      }
      override exec() {
        clock += this.ms;
      }
      override post() {
        return this.action;
      }
    }
    class Retried extends Timed {
      tries = 0;
      override exec() {
        super.exec();
        if (++this.tries < 3) throw new Error('again');
      }
    }
    class Swallow extends Timed {
      override exec(): never {
        throw new Error('ignored');
      }
      override onError() {
        return true;
      }
    }
    const start = new Timed('start', 5, 'go');
    start
      .on('go', new Retried('retried', 10, undefined, 3))
      .next(new Graph(new Swallow('swallow', 0), { id: 'inner' }));
    const { metrics } = await new Graph(start).run({ events: [] }, { now: () => clock });
    expect(metrics).toEqual([
      { node_id: 'start', duration_ms: 5, attempts: 1, outcome: 'ok', action: 'go' },
      { node_id: 'retried', duration_ms: 30, attempts: 3, outcome: 'ok', action: 'default' },
      { node_id: 'swallow', duration_ms: 0, attempts: 1, outcome: 'swallowed', action: 'default' },
      { node_id: 'inner', duration_ms: 0, attempts: 0, outcome: 'ok', action: 'default' },
    ]);
  });

  it('reports each metric as it happens, also for a run that then fails', async () => {
    class Broken extends Node<Store> {
      override exec(): never {
        throw new Error('broken');
      }
    }
    const start = new Node<Store>({ id: 'fine' });
    start.next(new Broken({ id: 'broken' }));
    const seen: Array<[string, string]> = [];
    await expect(
      new Graph(start).run(
        { events: [] },
        { onMetric: (metric) => seen.push([metric.node_id, metric.outcome]) },
      ),
    ).rejects.toThrow('broken');
    expect(seen).toEqual([
      ['fine', 'ok'],
      ['broken', 'error'],
    ]);
  });

  it('says as each step starts which node it runs, inner nodes inside their graph', async () => {
    const inner = new Graph(new Node<Store>({ id: 'inner' }), { id: 'sub' });
    const start = new Node<Store>({ id: 'first' });
    start.next(inner);
    const seen: string[] = [];
    await new Graph(start).run(
      { events: [] },
      {
        onStepStart: (nodeId) => seen.push(`start ${nodeId}`),
        onMetric: (metric) => seen.push(`end ${metric.node_id}`),
      },
    );
    expect(seen).toEqual(['start first', 'end first', 'start sub', 'start inner', 'end inner', 'end sub']);
  });
});
