/**
 * A node that fails, retries after a wait and then falls back (KayGraph's max_retries, wait and
 * exec_fallback). `fail_in` moves the failure to prep or post, which are not retried.
 */
import { Graph, Node } from '@kaygraph/graph';
import { defineWorkflow } from '@kaygraph/workflows/authoring';
import { z } from 'zod';

interface FetchShared {
  calls?: number;
  result?: { value: string; calls: number; fell_back: boolean };
}

const Params = z.strictObject({
  /** exec fails this many times before it succeeds. */
  failures: z.number().int().min(0).default(5),
  max_retries: z.number().int().min(1).default(3),
  wait_ms: z.number().int().min(0).default(50),
  fallback: z.boolean().default(true),
  fail_in: z.enum(['exec', 'prep', 'post']).default('exec'),
});
type FetchParams = z.output<typeof Params>;

class UpstreamError extends Error {
  override name = 'UpstreamError';
}

class FlakyFetch extends Node<FetchShared, number, string> {
  readonly config: FetchParams;
  /** Per-step attempt counter: assigned fresh in prep, so it lives on this step's copy. */
  calls = 0;

  constructor(config: FetchParams) {
    super({ id: 'fetch', step: 'Fetch from upstream', maxRetries: config.max_retries, wait: config.wait_ms });
    this.config = config;
  }

  override prep(shared: FetchShared): number {
    if (this.config.fail_in === 'prep') throw new UpstreamError('prep could not read the store');
    this.calls = 0;
    return shared.calls ?? 0;
  }

  override exec(): string {
    this.calls++;
    this.ctx.log('info', `attempt ${this.calls}`);
    if (this.calls <= this.config.failures)
      throw new UpstreamError(`upstream answered 503 (call ${this.calls})`);
    return `fresh value after ${this.calls} calls`;
  }

  override execFallback(_prep: number, error: Error): string {
    if (!this.config.fallback) throw error;
    return `cached value (${error.message})`;
  }

  override post(shared: FetchShared, _prep: number, value: string): void {
    if (this.config.fail_in === 'post') throw new UpstreamError('post could not write the store');
    shared.calls = this.calls;
    shared.result = { value, calls: this.calls, fell_back: value.startsWith('cached') };
  }
}

export const retryFallback = defineWorkflow({
  name: 'port_retry_fallback',
  description: 'A flaky node retried with a wait, then its exec fallback.',
  params: Params,
  result: z.object({ value: z.string(), calls: z.number().int(), fell_back: z.boolean() }),
  defaults: { max_retries: 0, timeout_seconds: 600 },
  inline: true,
  graph: (params) => new Graph<FetchShared>(new FlakyFetch(params)),
});
