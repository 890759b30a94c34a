import { describe, expect, it, vi } from 'vitest';
import { BatchGraph, BatchNode, Graph, Node, ParallelBatchGraph, ParallelBatchNode } from './index.ts';

type Store = { words: string[]; lengths?: number[]; seen: string[] };

function deferred() {
  let resolve = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

describe('BatchNode', () => {
  it('runs exec once per item and hands post the results in item order', async () => {
    class Lengths extends BatchNode<Store, string, number> {
      override prep(shared: Store) {
        return shared.words;
      }
      override exec(word: string) {
        return word.length;
      }
      override post(shared: Store, words: string[], lengths: number[]) {
        shared.lengths = lengths;
        shared.seen.push(`${words.length} words`);
      }
    }
    const { shared, metrics } = await new Lengths().run({ words: ['a', 'bbb', 'cc'], seen: [] });
    expect(shared.lengths).toEqual([1, 3, 2]);
    expect(shared.seen).toEqual(['3 words']);
    expect(metrics[0]).toMatchObject({ attempts: 3, outcome: 'ok' });
  });

  it('retries and falls back per item', async () => {
    const attempts = new Map<string, number>();
    class Picky extends BatchNode<Store, string, string> {
      override prep(shared: Store) {
        return shared.words;
      }
      override exec(word: string) {
        const attempt = (attempts.get(word) ?? 0) + 1;
        attempts.set(word, attempt);
        if (word === 'never') throw new Error(`no ${word}`);
        if (word === 'flaky' && attempt < 2) throw new Error('flaked');
        return word.toUpperCase();
      }
      override execFallback(word: string, error: Error) {
        return `${word}: ${error.message}`;
      }
      override post(shared: Store, _words: string[], results: string[]) {
        shared.seen = results;
      }
    }
    const { shared, metrics } = await new Picky({ maxRetries: 3 }).run({
      words: ['fine', 'flaky', 'never'],
      seen: [],
    });
    expect(shared.seen).toEqual(['FINE', 'FLAKY', 'never: no never']);
    expect(Object.fromEntries(attempts)).toEqual({ fine: 1, flaky: 2, never: 3 });
    expect(metrics[0]).toMatchObject({ attempts: 6, outcome: 'fallback' });
  });

  it('treats a prep that returns nothing as no items', async () => {
    const exec = vi.fn();
    class Empty extends BatchNode<Store, string, string> {
      override exec(word: string) {
        exec(word);
        return word;
      }
    }
    await new Empty().run({ words: [], seen: [] });
    expect(exec).not.toHaveBeenCalled();
  });
});

describe('ParallelBatchNode', () => {
  it('never has more than `concurrency` items in flight and keeps item order', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const gates = new Map<number, ReturnType<typeof deferred>>();
    class Slow extends ParallelBatchNode<{ out?: number[] }, number, number> {
      override prep() {
        return [0, 1, 2, 3, 4, 5, 6];
      }
      override async exec(item: number) {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        const gate = deferred();
        gates.set(item, gate);
        await gate.promise;
        inFlight--;
        return item * 10;
      }
      override post(shared: { out?: number[] }, _items: number[], results: number[]) {
        shared.out = results;
      }
    }
    const running = new Slow({ concurrency: 3 }).run({});
    await vi.waitFor(() => expect(gates.size).toBe(3));
    // Finish items out of order: later ones first.
    for (const item of [2, 1, 0, 5, 4, 3, 6]) {
      await vi.waitFor(() => expect(gates.has(item)).toBe(true));
      gates.get(item)?.resolve();
    }
    const { shared } = await running;
    expect(maxInFlight).toBe(3);
    expect(shared.out).toEqual([0, 10, 20, 30, 40, 50, 60]);
  });

  it('starts no new item after one fails, waits for those in flight, then throws', async () => {
    const started: number[] = [];
    const finished: number[] = [];
    class Failing extends ParallelBatchNode<Record<string, unknown>, number, number> {
      override prep() {
        return [0, 1, 2, 3, 4];
      }
      override async exec(item: number) {
        started.push(item);
        if (item === 0) throw new Error('item 0 broke');
        await new Promise((resolve) => setTimeout(resolve, 5));
        finished.push(item);
        return item;
      }
    }
    await expect(new Failing({ concurrency: 2 }).run({})).rejects.toThrow('item 0 broke');
    expect(started).toEqual([0, 1]);
    expect(finished).toEqual([1]);
  });

  it('rejects a concurrency below 1', () => {
    expect(() => new ParallelBatchNode({ concurrency: 0 })).toThrow(RangeError);
  });
});

describe('BatchGraph', () => {
  it('runs the graph once per params set, merging each set over the graph params', async () => {
    class Visit extends Node<Store> {
      override post(shared: Store) {
        shared.seen.push(`${this.id}:${String(this.params.region)}/${String(this.params.file)}`);
      }
    }
    class PerFile extends BatchGraph<Store> {
      override prep(shared: Store) {
        return shared.words.map((file) => ({ file }));
      }
    }
    const first = new Visit({ id: 'load' });
    first.next(new Visit({ id: 'save' }));
    const { shared, action } = await new PerFile(first).run(
      { words: ['a.csv', 'b.csv'], seen: [] },
      { params: { region: 'eu' } },
    );
    expect(shared.seen).toEqual(['load:eu/a.csv', 'save:eu/a.csv', 'load:eu/b.csv', 'save:eu/b.csv']);
    expect(action).toBe('default');
  });

  it('nests inside a graph like any node', async () => {
    class Visit extends Node<Store> {
      override post(shared: Store) {
        shared.seen.push(`${this.id}:${String(this.params.file ?? '-')}`);
      }
    }
    class PerFile extends BatchGraph<Store> {
      override prep() {
        return [{ file: 1 }, { file: 2 }];
      }
    }
    const start = new Visit({ id: 'start' });
    start.next(new PerFile(new Visit({ id: 'each' }))).next(new Visit({ id: 'end' }));
    const { shared } = await new Graph(start).run({ words: [], seen: [] });
    expect(shared.seen).toEqual(['start:-', 'each:1', 'each:2', 'end:-']);
  });
});

describe('ParallelBatchGraph', () => {
  it('runs params sets concurrently up to the limit, each with its own node copies', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    class Work extends Node<Store> {
      mine: unknown;
      override async prep() {
        this.mine = this.params.file;
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight--;
      }
      override post(shared: Store) {
        shared.seen.push(String(this.mine));
      }
    }
    class PerFile extends ParallelBatchGraph<Store> {
      override prep() {
        return [1, 2, 3, 4, 5].map((file) => ({ file }));
      }
    }
    const { shared } = await new PerFile(new Work(), { concurrency: 2 }).run({ words: [], seen: [] });
    expect(maxInFlight).toBe(2);
    expect([...shared.seen].sort()).toEqual(['1', '2', '3', '4', '5']);
  });
});
