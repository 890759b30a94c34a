import type { AnyWorkflow, WorkflowMapOf } from './define.ts';

/**
 * The registry the task runtime and the API read: lookup by name or alias, the list for
 * `workflows.list`, and `with(...)` to add user workflows (returns a new catalog).
 */
export interface Catalog<M = Record<string, AnyWorkflow>> {
  /** The definitions by name, typed, for `WorkflowParams<typeof catalog.workflows, 'name'>`. */
  readonly workflows: M;
  get(name: string): AnyWorkflow | undefined;
  list(): AnyWorkflow[];
  with<const More extends readonly AnyWorkflow[]>(...more: More): Catalog<M & WorkflowMapOf<More>>;
}

/**
 * @example
 * const catalog = createCatalog([dataProcessing, demo]).with(myWorkflow);
 * catalog.get('rag_indexing')?.name; // 'document_indexing'
 */
export function createCatalog<const Ws extends readonly AnyWorkflow[]>(
  workflows: Ws,
): Catalog<WorkflowMapOf<Ws>> {
  const byName = new Map<string, AnyWorkflow>();
  const register = (name: string, workflow: AnyWorkflow) => {
    const existing = byName.get(name);
    if (existing) {
      throw new Error(`workflow name "${name}" of "${workflow.name}" is already taken by "${existing.name}"`);
    }
    byName.set(name, workflow);
  };
  for (const workflow of workflows) {
    register(workflow.name, workflow);
    for (const alias of workflow.aliases) register(alias, workflow);
  }
  const map = Object.fromEntries(workflows.map((workflow) => [workflow.name, workflow])) as WorkflowMapOf<Ws>;
  return {
    workflows: map,
    get: (name) => byName.get(name),
    list: () => [...workflows],
    with: (...more) => createCatalog([...workflows, ...more]),
  };
}
