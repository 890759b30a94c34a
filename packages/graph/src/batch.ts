import { splitScope } from './context/progress.ts';
import { EXECUTE, type ExecFrame, type StepFrame } from './internal.ts';
import { Node } from './node.ts';
import { checkConcurrency, DEFAULT_CONCURRENCY, mapWithConcurrency } from './pool.ts';
import { execWithRetries, type Retryable } from './retry.ts';
import type { NodeOptions } from './types.ts';

export interface ParallelBatchOptions extends NodeOptions {
  /** Items (or params sets) in flight at once; default 8, `Infinity` for no limit. */
  concurrency?: number;
}

/**
 * `prep` returns the items, `exec(item)` runs once per item (with retries and fallback per item),
 * `post` receives the results in item order. Progress advances as items finish.
 *
 * @example
 * class Resize extends BatchNode<{ urls: string[]; sizes?: number[] }, string, number> {
 *   override prep(shared: { urls: string[] }) { return shared.urls; }
 *   override async exec(url: string) { return (await fetch(url, { signal: this.ctx.signal })).status; }
 *   override post(shared: { sizes?: number[] }, _urls: string[], sizes: number[]) { shared.sizes = sizes; }
 * }
 */
export class BatchNode<S = Record<string, unknown>, Item = unknown, R = unknown> extends Node<
  S,
  Item[],
  R[],
  Item,
  R
> {
  override prep(_shared: S): Item[] | Promise<Item[]> {
    return [];
  }

  override [EXECUTE](items: Item[], _shared: S, frame: StepFrame<S>): Promise<R[]> {
    return execEach(this, items, frame, 1);
  }
}

/** A `BatchNode` whose items run concurrently (at most `concurrency` at once); results keep item order. */
export class ParallelBatchNode<S = Record<string, unknown>, Item = unknown, R = unknown> extends BatchNode<
  S,
  Item,
  R
> {
  readonly concurrency: number;

  constructor(options: ParallelBatchOptions = {}) {
    super(options);
    this.concurrency = checkConcurrency(options.concurrency ?? DEFAULT_CONCURRENCY);
  }

  override [EXECUTE](items: Item[], _shared: S, frame: StepFrame<S>): Promise<R[]> {
    return execEach(this, items, frame, this.concurrency);
  }
}

async function execEach<Item, R>(
  node: Retryable<Item, R>,
  items: Iterable<Item> | null | undefined,
  frame: ExecFrame,
  concurrency: number,
): Promise<R[]> {
  const list = Array.from(items ?? []);
  const parts = splitScope(frame.scope, list.length);
  return mapWithConcurrency(list, concurrency, frame.run, async (item, index) => {
    const result = await execWithRetries(node, item, frame);
    parts[index]?.report(1);
    return result;
  });
}
