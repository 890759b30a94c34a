/**
 * Workflows of bench/concurrency-keys.ts: the lifecycle benchmark's inline no-op, and the same no-op with
 * `concurrency_per_key: 1`. The worker loads this module by path, so it exports `catalog`.
 */
import type { CatalogWorkflow, WorkflowCatalog } from '@kaygraph/tasks';
import { catalog as lifecycle } from './lifecycle-workflows.ts';

const noop = lifecycle.get('bench_noop_inline');
if (!noop) throw new Error('no bench_noop_inline');

const workflows: CatalogWorkflow[] = [
  noop,
  { ...noop, name: 'bench_noop_keyed', defaults: { ...noop.defaults, concurrency_per_key: 1 } },
];

export const catalog: WorkflowCatalog = {
  get: (name) => workflows.find((w) => w.name === name),
  list: () => workflows,
};
