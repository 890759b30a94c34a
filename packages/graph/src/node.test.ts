import { afterEach, describe, expect, it, vi } from 'vitest';
import { Node } from './index.ts';

type Store = { events: string[]; result?: string };

/** exec fails `failures` times, then answers; records each attempt. */
class Flaky extends Node<Store, string, string> {
  calls = 0;
  readonly failures: number;
  constructor(failures: number, options: ConstructorParameters<typeof Node>[0] = {}) {
    super(options);
    this.failures = failures;
  }
  override prep() {
    return 'input';
  }
  override exec(input: string) {
    this.calls++;
    if (this.calls <= this.failures) throw new Error(`failure ${this.calls}`);
    return `${input} ok after ${this.calls}`;
  }
  override post(shared: Store, _prep: string, result: string) {
    shared.result = result;
  }
}

afterEach(() => {
  vi.useRealTimers();
});

describe('Node', () => {
  it('runs prep -> exec -> post and returns "default" when post returns nothing', async () => {
    const seen: unknown[] = [];
    class Double extends Node<Store, number, number> {
      override prep() {
        return 21;
      }
      override exec(value: number) {
        seen.push(value);
        return value * 2;
      }
      override post(shared: Store, prepRes: number, execRes: number) {
        shared.result = `${prepRes}->${execRes}`;
      }
    }
    const { action, shared } = await new Double().run({ events: [] });
    expect(action).toBe('default');
    expect(shared.result).toBe('21->42');
    expect(seen).toEqual([21]);
  });

  it('retries only exec, up to maxRetries attempts', async () => {
    const prepCalls: number[] = [];
    class Counted extends Flaky {
      override prep() {
        prepCalls.push(1);
        return 'input';
      }
    }
    const node = new Counted(2, { maxRetries: 3 });
    const { shared, metrics } = await node.run({ events: [] });
    expect(shared.result).toBe('input ok after 3');
    expect(prepCalls).toHaveLength(1);
    expect(metrics[0]?.attempts).toBe(3);
  });

  it('rethrows the last error by default once every attempt failed', async () => {
    await expect(new Flaky(5, { maxRetries: 2 }).run({ events: [] })).rejects.toThrow('failure 2');
  });

  it('hands the last error to execFallback, whose result stands in for exec', async () => {
    class WithFallback extends Flaky {
      override execFallback(input: string, error: Error) {
        return `${input} fell back after "${error.message}"`;
      }
    }
    const { shared, metrics } = await new WithFallback(5, { maxRetries: 2 }).run({ events: [] });
    expect(shared.result).toBe('input fell back after "failure 2"');
    expect(metrics[0]?.outcome).toBe('fallback');
  });

  it('stops retrying at an error a retry cannot fix: named NonRetriableError or `retriable: false`', async () => {
    class NonRetriableError extends Error {
      override name = 'NonRetriableError';
    }
    const final = [
      new NonRetriableError('card declined'),
      Object.assign(new Error('account deleted'), { retriable: false }),
    ];
    for (const error of final) {
      let charges = 0;
      class Charge extends Node<Store, string, string> {
        override exec(): string {
          charges++;
          throw error;
        }
      }
      await expect(new Charge({ maxRetries: 3 }).run({ events: [] })).rejects.toBe(error);
      expect(charges).toBe(1);

      // The fallback still decides, at once.
      class ChargeOrGiveUp extends Charge {
        override execFallback(_input: string, reason: Error) {
          return `gave up: ${reason.message}`;
        }
        override post(shared: Store, _prep: string, result: string) {
          shared.result = result;
        }
      }
      const { shared, metrics } = await new ChargeOrGiveUp({ maxRetries: 3 }).run({ events: [] });
      expect(shared.result).toBe(`gave up: ${error.message}`);
      expect(metrics[0]?.attempts).toBe(1);
      expect(charges).toBe(2);
    }
  });

  it('waits `wait` ms between attempts', async () => {
    vi.useFakeTimers();
    const attempts: number[] = [];
    class Watched extends Flaky {
      override exec(input: string) {
        attempts.push(Date.now());
        return super.exec(input);
      }
    }
    const start = Date.now();
    const running = new Watched(2, { maxRetries: 3, wait: 100 }).run({ events: [] });
    await vi.advanceTimersByTimeAsync(0);
    expect(attempts).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(99);
    expect(attempts).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(attempts).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(100);
    expect(attempts).toHaveLength(3);
    expect(attempts.map((at) => at - start)).toEqual([0, 100, 200]);
    await expect(running).resolves.toMatchObject({ shared: { result: 'input ok after 3' } });
  });

  it('doubles the wait after each failure with backoff', async () => {
    vi.useFakeTimers();
    const attempts: number[] = [];
    class Watched extends Flaky {
      override exec(input: string) {
        attempts.push(Date.now());
        return super.exec(input);
      }
    }
    const start = Date.now();
    const running = new Watched(3, { maxRetries: 4, wait: 100, backoff: true }).run({ events: [] });
    await vi.advanceTimersByTimeAsync(699);
    expect(attempts).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(attempts.map((at) => at - start)).toEqual([0, 100, 300, 700]);
    await expect(running).resolves.toMatchObject({ shared: { result: 'input ok after 4' } });
  });

  it('calls the hooks in order around prep, exec and post', async () => {
    class Hooked extends Node<Store, string, string> {
      override beforePrep(shared: Store) {
        shared.events.push('beforePrep');
      }
      override prep(shared: Store) {
        shared.events.push('prep');
        return 'p';
      }
      override exec(prepRes: string) {
        return `${prepRes}+e`;
      }
      override afterExec(shared: Store, prepRes: string, execRes: string) {
        shared.events.push(`afterExec(${prepRes},${execRes})`);
      }
      override post(shared: Store) {
        shared.events.push('post');
        return 'next';
      }
    }
    const { action, shared } = await new Hooked().run({ events: [] });
    expect(shared.events).toEqual(['beforePrep', 'prep', 'afterExec(p,p+e)', 'post']);
    expect(action).toBe('next');
  });

  it('lets onError swallow an error: the step follows "default"', async () => {
    class Swallowing extends Node<Store> {
      override prep(): never {
        throw new Error('broken prep');
      }
      override post() {
        return 'never reached';
      }
      override onError(error: Error, shared: Store) {
        shared.events.push(`onError: ${error.message}`);
        return true;
      }
    }
    const { action, shared, metrics } = await new Swallowing().run({ events: [] });
    expect(action).toBe('default');
    expect(shared.events).toEqual(['onError: broken prep']);
    expect(metrics[0]?.outcome).toBe('swallowed');
  });

  it('rethrows when onError does not swallow, and wraps thrown non-errors', async () => {
    const seen: Error[] = [];
    class Failing extends Node<Store> {
      override exec(): never {
        throw 'plain string';
      }
      override onError(error: Error) {
        seen.push(error);
        return false;
      }
    }
    await expect(new Failing().run({ events: [] })).rejects.toThrow('plain string');
    expect(seen[0]).toBeInstanceOf(Error);
  });

  it('rejects maxRetries below 1 with a message that says what it counts', () => {
    expect(() => new Node({ maxRetries: 0 })).toThrow(/attempts \(1 = no retry\)/);
  });

  it('warns when a node with edges is run alone', async () => {
    const warnings: string[] = [];
    const first = new Node<Store>();
    first.next(new Node<Store>());
    await first.run({ events: [] }, { logger: { warn: (message) => warnings.push(message) } });
    expect(warnings).toEqual([expect.stringContaining('only followed inside a Graph')]);
  });
});
