import { describe, expect, it } from 'vitest';
import { AbortedError, BatchNode, Graph, Node } from './index.ts';

type Store = { spins: number };

/**
 * Nodes whose methods never await anything still run as promises: without pauses such a graph holds
 * the event loop until it ends. Each loop here would end by itself after many steps; the abort, queued
 * behind them as a timer, has to get in first.
 */
describe('busy loops of synchronous nodes', () => {
  const abortSoon = () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort('cancelled'), 0);
    return controller.signal;
  };

  it('let a cancel in while a nested graph loops', async () => {
    class Spin extends Node<Store> {
      override post(shared: Store) {
        shared.spins++;
        return shared.spins < 1_000_000 ? 'again' : 'done';
      }
    }
    const spin = new Spin({ id: 'spin' });
    spin.on('again', spin);
    const graph = new Graph(new Graph(spin, { id: 'inner' }));
    const shared = { spins: 0 };
    const error = await graph.run(shared, { signal: abortSoon() }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AbortedError);
    expect((error as AbortedError).reason).toBe('cancelled');
    expect(shared.spins).toBeLessThan(1_000_000);
  });

  it('let a cancel in between the items of a batch', async () => {
    class Count extends BatchNode<Store, number, number> {
      override prep() {
        return Array.from({ length: 200_000 }, (_, index) => index);
      }
      override exec(item: number) {
        return item;
      }
    }
    const error = await new Count({ id: 'count' })
      .run({ spins: 0 }, { signal: abortSoon() })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AbortedError);
  });
});
