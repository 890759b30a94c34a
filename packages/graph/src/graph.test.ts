import { describe, expect, it, vi } from 'vitest';
import { Graph, GraphError, Node } from './index.ts';

type Store = { visited: string[]; decision?: string; value?: string };

/** Records its id, returns the action it was built with (or reads `decision` from the store). */
class Step extends Node<Store> {
  readonly action: string | undefined;
  constructor(action?: string, id?: string) {
    super(id === undefined ? {} : { id });
    this.action = action;
  }
  override post(shared: Store) {
    shared.visited.push(this.id);
    return this.action;
  }
}

class Decide extends Node<Store> {
  override post(shared: Store) {
    shared.visited.push(this.id);
    return shared.decision;
  }
}

const silent = { warn: () => {} };

describe('Graph', () => {
  it('follows the default edge and named actions, and returns the last action', async () => {
    const decide = new Decide({ id: 'decide' });
    decide.on('approve', new Step('published', 'publish'));
    decide.on('reject', new Step('archived', 'archive'));
    const graph = new Graph(decide);

    const approved = await graph.run({ visited: [], decision: 'approve' });
    expect(approved.shared.visited).toEqual(['decide', 'publish']);
    expect(approved.action).toBe('published');

    const rejected = await graph.run({ visited: [], decision: 'reject' });
    expect(rejected.shared.visited).toEqual(['decide', 'archive']);
    expect(rejected.action).toBe('archived');
  });

  it('next/on return the target so chains read left to right', async () => {
    const first = new Step(undefined, 'a');
    const last = first.next(new Step(undefined, 'b')).on('default', new Step('done', 'c'));
    expect(last.id).toBe('c');
    const { shared, action } = await new Graph(first).run({ visited: [] });
    expect(shared.visited).toEqual(['a', 'b', 'c']);
    expect(action).toBe('done');
  });

  it('ends with a warning when an action has no edge but the node has others', async () => {
    const warnings: Array<{ message: string; data: unknown }> = [];
    const logs: string[] = [];
    const decide = new Decide({ id: 'decide' });
    decide.on('approve', new Step(undefined, 'publish'));
    const { shared, action } = await new Graph(decide).run(
      { visited: [], decision: 'maybe' },
      {
        logger: { warn: (message, data) => warnings.push({ message, data }) },
        onLog: (_l, m) => logs.push(m),
      },
    );
    expect(shared.visited).toEqual(['decide']);
    expect(action).toBe('maybe');
    expect(warnings).toEqual([
      {
        message: expect.stringContaining('"maybe", which has no edge'),
        data: { node_id: 'decide', action: 'maybe' },
      },
    ]);
    expect(logs).toEqual([warnings[0]?.message]);
  });

  it('ends silently when the last node has no edges at all', async () => {
    const warn = vi.fn();
    await new Graph(new Step('anything')).run({ visited: [] }, { logger: { warn } });
    expect(warn).not.toHaveBeenCalled();
  });

  it('warns when an edge is overwritten', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const node = new Step(undefined, 'a');
      node.on('retry', new Step());
      node.on('retry', new Step());
      expect(warn).toHaveBeenCalledWith('Overwriting the "retry" edge of node "a"');
    } finally {
      warn.mockRestore();
    }
  });

  it('passes params down to every node, nested graphs included', async () => {
    const seen: Array<[string, unknown]> = [];
    class ReadParams extends Node<Store> {
      override prep() {
        seen.push([this.id, this.params.tenant]);
      }
    }
    const outer = new ReadParams({ id: 'outer' });
    outer.next(new Graph(new ReadParams({ id: 'inner' })));
    await new Graph(outer).run({ visited: [] }, { params: { tenant: 'acme' } });
    expect(seen).toEqual([
      ['outer', 'acme'],
      ['inner', 'acme'],
    ]);
  });

  it("nests: the inner graph's last action drives the outer edge", async () => {
    const innerStart = new Decide({ id: 'inner-decide' });
    innerStart.on('approve', new Step('shipped', 'inner-ship'));
    const inner = new Graph(innerStart, { id: 'inner' });
    const outerStart = new Step(undefined, 'outer-start');
    outerStart.next(inner);
    inner.on('shipped', new Step(undefined, 'notify'));
    inner.on('default', new Step(undefined, 'fallback-path'));

    const { shared, action } = await new Graph(outerStart).run({ visited: [], decision: 'approve' });
    expect(shared.visited).toEqual(['outer-start', 'inner-decide', 'inner-ship', 'notify']);
    expect(action).toBe('default');
  });

  it('does not warn when an inner action leaves a nested graph through its edge, but does for a typo', async () => {
    const build = () => {
      const check = new Decide({ id: 'check' });
      check.next(new Step(undefined, 'normalize'));
      const validate = new Graph(check, { id: 'validate' });
      validate.on('invalid', new Step(undefined, 'reject'));
      validate.next(new Step(undefined, 'ship'));
      return new Graph(validate);
    };
    const run = async (decision: string) => {
      const warnings: string[] = [];
      const { shared } = await build().run(
        { visited: [], decision },
        { logger: { warn: (message) => warnings.push(message) } },
      );
      return { visited: shared.visited, warnings };
    };
    expect(await run('invalid')).toEqual({ visited: ['check', 'reject'], warnings: [] });
    expect(await run('invalidd')).toEqual({
      visited: ['check'],
      warnings: [
        'Graph ends: node "check" returned action "invalidd", which has no edge (edges: "default")',
        'Graph ends: node "validate" returned action "invalidd", which has no edge (edges: "invalid", "default")',
      ],
    });
  });

  it('runs a fresh copy of each node per step: concurrent runs do not share node state', async () => {
    const gates = new Map<string, () => void>();
    class Remember extends Node<Store> {
      remembered: string | undefined;
      override async prep(shared: Store) {
        this.remembered = shared.value;
        await new Promise<void>((resolve) => gates.set(shared.value ?? '', resolve));
      }
      override post(shared: Store) {
        shared.visited.push(`${this.id} remembered ${this.remembered}`);
      }
    }
    const node = new Remember({ id: 'remember' });
    const graph = new Graph(node);
    const one = graph.run({ visited: [], value: 'one' });
    const two = graph.run({ visited: [], value: 'two' });
    await vi.waitFor(() => expect(gates.size).toBe(2));
    gates.get('one')?.();
    gates.get('two')?.();
    expect((await one).shared.visited).toEqual(['remember remembered one']);
    expect((await two).shared.visited).toEqual(['remember remembered two']);
    expect(node.remembered).toBeUndefined();
  });

  it('loops over edges back to an earlier node', async () => {
    class Count extends Node<Store> {
      override post(shared: Store) {
        shared.visited.push(this.id);
        return shared.visited.length < 5 ? 'again' : 'done';
      }
    }
    const count = new Count({ id: 'count' });
    count.on('again', count);
    count.on('done', new Step(undefined, 'end'));
    const { shared } = await new Graph(count).run({ visited: [] }, { logger: silent });
    expect(shared.visited).toEqual(['count', 'count', 'count', 'count', 'count', 'end']);
  });

  it('numbers default ids (class name + counter) in graph order, the same for every build', async () => {
    const build = () => {
      const a = new Step();
      a.next(new Decide()).on('x', new Step()).next(new Graph(new Step()));
      return new Graph(a);
    };
    const runIds = async () => {
      const { metrics } = await build().run({ visited: [], decision: 'x' });
      return metrics.map((metric) => metric.node_id);
    };
    const first = await runIds();
    expect(first).toEqual(['Step1', 'Decide1', 'Step2', 'Step3', 'Graph2']);
    expect(await runIds()).toEqual(first);
  });

  it('refuses an edge or a start that is not a node where the graph is built, naming the edge', () => {
    const start = new Step(undefined, 'start');
    const refused = (build: () => unknown) => {
      try {
        build();
      } catch (error) {
        return error;
      }
      return 'accepted';
    };
    const objectEdge = refused(() => start.next({ id: 'review' } as never));
    expect(objectEdge).toBeInstanceOf(GraphError);
    expect(objectEdge).toMatchObject({
      message: 'The "default" edge of node "start" must be a Node; got an object (Object)',
      retriable: false,
    });
    expect(refused(() => start.on('approve', undefined as never))).toMatchObject({
      message: 'The "approve" edge of node "start" must be a Node; got undefined',
    });
    expect(refused(() => start.next(Step as never))).toMatchObject({
      message: 'The "default" edge of node "start" must be a Node; got a function (Step): pass an instance',
    });
    expect(refused(() => new Graph(null as never, { id: 'orders' }))).toMatchObject({
      message: 'The start of graph "orders" must be a Node; got null',
    });
    expect(start.successors.size).toBe(0);
  });

  it('throws a clear error when two nodes of one graph share an id', async () => {
    const a = new Step(undefined, 'same');
    a.next(new Step(undefined, 'same'));
    expect(() => new Graph(a)).toThrow(GraphError);
    const b = new Step(undefined, 'twin');
    const graph = new Graph(b);
    b.next(new Step(undefined, 'twin'));
    await expect(graph.run({ visited: [] })).rejects.toThrow('share the id "twin"');
  });
});
