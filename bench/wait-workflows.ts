/**
 * WORKFLOWS_MODULE of the waits benchmarks: the built-in catalog (`data_processing` and its partitions
 * among them) plus `bench_signal_wait` (node `before`, a wait for the signal `go`, node `after`; inline)
 * and `bench_no_wait` (the same nodes without the wait: the baseline of resuming many). Each node tells
 * `nodeStarts.listener` when its exec starts: the in-process signal benchmark runs the worker and this
 * workflow in its own process and times the node after the wait by it (a progress event of that node is
 * coalesced with the resumed run's first report, and dropped when the task completes within the interval).
 * Worker processes import this module by path, so it exports `catalog` and `createServices` like
 * `@kaygraph/workflows/catalog`.
 */
import { fileURLToPath } from 'node:url';
import { Graph, Node, WaitNode } from '@kaygraph/graph';
import { chain, defineWorkflow, waitForDeclared } from '@kaygraph/workflows';
import { catalog as builtins } from '@kaygraph/workflows/catalog';
import { z } from 'zod';

export { createServices } from '@kaygraph/workflows/catalog';

/** This module's path, the WORKFLOWS_MODULE of the benchmarks' api and worker processes. */
export const WAIT_WORKFLOWS_MODULE = fileURLToPath(import.meta.url);
export const SIGNAL_WAIT_WORKFLOW = 'bench_signal_wait';
export const NO_WAIT_WORKFLOW = 'bench_no_wait';
export const SIGNAL_NAME = 'go';

const signals = { [SIGNAL_NAME]: z.object({}) };

interface Shared {
  result?: unknown;
}

/** Set by the in-process benchmark: called with `performance.now()` when a node's exec starts. */
export const nodeStarts: { listener: ((taskId: string, node: string, at: number) => void) | undefined } = {
  listener: undefined,
};

/** Tells `nodeStarts` that it started, nothing else. */
class TimedStep extends Node<Shared> {
  override exec(): void {
    nodeStarts.listener?.(String(this.params.task_id ?? ''), this.id, performance.now());
  }

  override post(shared: Shared): void {
    shared.result = { last: this.id };
  }
}

class AwaitGo extends WaitNode<Shared, undefined, Record<string, never>> {
  constructor() {
    super({ id: 'await_go' });
  }

  override exec() {
    return waitForDeclared(signals, SIGNAL_NAME);
  }

  override post(): undefined {
    return undefined;
  }
}

export const signalWait = defineWorkflow({
  name: SIGNAL_WAIT_WORKFLOW,
  description: 'Node `before`, a wait for the signal `go`, node `after`; for the waits benchmarks.',
  params: z.object({}),
  signals,
  defaults: { max_retries: 0, timeout_seconds: 600 },
  inline: true,
  graph: () =>
    new Graph<Shared>(chain(new TimedStep({ id: 'before' }), new AwaitGo(), new TimedStep({ id: 'after' }))),
});

export const noWait = defineWorkflow({
  name: NO_WAIT_WORKFLOW,
  description: 'Nodes `before` and `after` of bench_signal_wait without the wait; for the waits benchmarks.',
  params: z.object({}),
  defaults: { max_retries: 0, timeout_seconds: 600 },
  inline: true,
  graph: () => new Graph<Shared>(chain(new TimedStep({ id: 'before' }), new TimedStep({ id: 'after' }))),
});

export const catalog = builtins.with(signalWait).with(noWait);
