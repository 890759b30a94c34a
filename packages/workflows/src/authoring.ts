/**
 * `@kaygraph/workflows/authoring`: what a workflows module of an app needs and nothing of the
 * built-ins (no services, no PDF or model code), so the worker SDK can bundle it small.
 */
export { type Catalog, createCatalog } from './catalog-core.ts';
export { type ChildResultOf, runChildrenOf } from './children.ts';
export { GLOBAL_WORKFLOW_DEFAULTS } from './defaults.ts';
export {
  type AnyWorkflow,
  defineWorkflow,
  type NoSignals,
  type SignalSchemas,
  type WorkflowConfig,
  type WorkflowDefinition,
  type WorkflowGraph,
  type WorkflowMapOf,
  type WorkflowRunInfo,
  type WorkflowShared,
} from './define.ts';
export { NonRetriableError, WorkflowInputError } from './errors.ts';
export { waitForDeclared } from './signals.ts';
