import { describe, expect, it } from 'vitest';
import { BatchGraph, Graph, Node } from './index.ts';

/** Behaviours that match KayGraph (the Python original) exactly. */
type Store = { visited: string[] };

class Visit extends Node<Store> {
  override post(shared: Store) {
    shared.visited.push(this.id);
  }
}

class Broken extends Node<Store> {
  override exec(): never {
    throw new Error('inner node failed');
  }
}

const silent = { warn: () => {} };

describe('KayGraph fidelity', () => {
  it('follows the default edge when post returns an empty action', async () => {
    class Empty extends Visit {
      override post(shared: Store) {
        super.post(shared);
        return '';
      }
    }
    const first = new Empty({ id: 'first' });
    first.next(new Visit({ id: 'second' }));
    const { shared, metrics } = await new Graph(first).run({ visited: [] }, { logger: silent });
    expect(shared.visited).toEqual(['first', 'second']);
    expect(metrics[0]).toMatchObject({ node_id: 'first', action: 'default' });
  });

  it('gives each node its own copy of the params: a write stays with the node that made it', async () => {
    const seen: Array<[string, unknown]> = [];
    class Writer extends Node<Store> {
      override prep() {
        this.params.cursor = 'written by the first node';
      }
    }
    class Reader extends Node<Store> {
      override prep() {
        seen.push([this.id, this.params.cursor]);
      }
    }
    const writer = new Writer({ id: 'writer' });
    writer.next(new Reader({ id: 'reader' })).next(new Graph(new Reader({ id: 'nested-reader' })));
    const params = { cursor: 'given' };
    await new Graph(writer).run({ visited: [] }, { params });
    expect(seen).toEqual([
      ['reader', 'given'],
      ['nested-reader', 'given'],
    ]);
    expect(params).toEqual({ cursor: 'given' });
  });

  it("keeps a graph's own params (set_params before run) under the run's params", async () => {
    const seen: unknown[] = [];
    class Reader extends Node<Store> {
      override prep() {
        seen.push({ ...this.params });
      }
    }
    const graph = new Graph(new Reader({ id: 'reader' }));
    graph.params = { model: 'small', tenant: 'graph' };
    await graph.run({ visited: [] }, { params: { tenant: 'run', task_id: 't1' } });
    await graph.run({ visited: [] });
    expect(seen).toEqual([
      { model: 'small', tenant: 'run', task_id: 't1' },
      { model: 'small', tenant: 'graph' },
    ]);
  });

  it("does not let a Graph subclass's own hooks or onError swallow a failing node inside it", async () => {
    const calls: string[] = [];
    class Guarded extends Graph<Store> {
      override prep() {
        calls.push('prep');
      }
      override execFallback(): never {
        throw new Error('a graph has no exec to fall back from');
      }
      override afterExec() {
        calls.push('afterExec');
      }
      override onError() {
        calls.push('onError');
        return true;
      }
    }
    const guarded = new Guarded(new Broken({ id: 'broken' }), { id: 'guarded' });
    guarded.next(new Visit({ id: 'after' }));
    const shared: Store = { visited: [] };
    const outer = new Graph(new Visit({ id: 'before' }));
    outer.startNode.next(guarded);
    const error = await outer.run(shared).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('inner node failed');
    expect(shared.visited).toEqual(['before']);
    expect(calls).toEqual(['prep']);
    // The same graph run on its own fails the same way.
    await expect(new Guarded(new Broken()).run({ visited: [] })).rejects.toThrow('inner node failed');
  });

  it("still lets a Graph subclass's onError handle a failure of its own hooks", async () => {
    class OwnPrepFails extends Graph<Store> {
      override prep(): never {
        throw new Error('graph prep failed');
      }
      override onError() {
        return true;
      }
    }
    const { action, metrics } = await new OwnPrepFails(new Visit({ id: 'never' }), { id: 'graph' }).run({
      visited: [],
    });
    expect(action).toBe('default');
    expect(metrics).toEqual([]);
  });

  it('lets a node inside a graph swallow its own failure, and a BatchGraph passes inner failures on', async () => {
    class Forgiving extends Broken {
      override onError() {
        return true;
      }
    }
    const forgiving = new Forgiving({ id: 'forgiving' });
    forgiving.next(new Visit({ id: 'next' }));
    expect((await new Graph(forgiving).run({ visited: [] })).shared.visited).toEqual(['next']);

    class PerItem extends BatchGraph<Store> {
      override prep() {
        return [{ item: 1 }];
      }
      override onError() {
        return true;
      }
    }
    await expect(new PerItem(new Broken()).run({ visited: [] })).rejects.toThrow('inner node failed');
  });

  it('warns when a graph that has edges is run alone, as a node does', async () => {
    const warnings: string[] = [];
    const graph = new Graph(new Visit({ id: 'inside' }), { id: 'lonely' });
    graph.next(new Visit({ id: 'not-followed' }));
    const { shared } = await graph.run(
      { visited: [] },
      { logger: { warn: (message) => warnings.push(message) } },
    );
    expect(shared.visited).toEqual(['inside']);
    expect(warnings).toEqual([
      'Graph "lonely" ran alone: its edges are only followed inside a Graph that holds it',
    ]);
  });
});
