/**
 * WORKFLOWS_MODULE of the waits benchmarks: the built-in catalog (`demo`, `data_processing` and its
 * partitions) plus `bench_signal_wait`: node `before`, a wait for the signal `go`, node `after`. Each node
 * reports progress (its id as the step) as the first thing it does, so the progress event of `after` marks
 * the moment the node after the wait runs. Worker processes import this module by path, so it exports
 * `catalog` and `createServices` like `@kaygraph/workflows/catalog`.
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
export const SIGNAL_NAME = 'go';

const signals = { [SIGNAL_NAME]: z.object({}) };

interface Shared {
  result?: unknown;
}

/** Reports progress with its id as the step, then nothing else. */
class ReportingStep extends Node<Shared> {
  override exec(): void {
    this.ctx.progress({ step: this.id });
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
  description: 'Node `before`, a wait for the signal `go`, node `after`; each node reports progress first.',
  params: z.object({}),
  signals,
  defaults: { max_retries: 0, timeout_seconds: 600 },
  inline: true,
  graph: () =>
    new Graph<Shared>(
      chain(new ReportingStep({ id: 'before' }), new AwaitGo(), new ReportingStep({ id: 'after' })),
    ),
});

export const catalog = builtins.with(signalWait);
