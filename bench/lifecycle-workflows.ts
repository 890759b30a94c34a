/**
 * Workflows of bench/lifecycle.ts: no-op graphs, one inline (main thread) and one in a worker thread. The
 * worker threads load this module by path, so it exports `catalog`.
 */
import type { WorkflowDefaults } from '@kaygraph/contracts';
import { Graph, Node } from '@kaygraph/graph';
import type { CatalogWorkflow, WorkflowCatalog } from '@kaygraph/tasks';
import { z } from 'zod';

class Noop extends Node<{ result?: unknown }> {
  override post(shared: { result?: unknown }): void {
    shared.result = null;
  }
}

const defaults: WorkflowDefaults = {
  max_retries: 0,
  retry_delay_seconds: 1,
  retry_backoff: false,
  timeout_seconds: 600,
  priority: 'normal',
  concurrency: null,
  concurrency_per_key: null,
  rate_limit: null,
};

const noop = (name: string, inline: boolean): CatalogWorkflow => ({
  name,
  description: `no-op (${inline ? 'inline' : 'worker thread'})`,
  aliases: [],
  params: z.object({}),
  defaults,
  inline,
  graph: () => new Graph(new Noop({ id: 'noop' })),
});

const workflows = [noop('bench_noop_inline', true), noop('bench_noop_thread', false)];

export const catalog: WorkflowCatalog = {
  get: (name) => workflows.find((w) => w.name === name),
  list: () => workflows,
};
