import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { WorkflowCatalog } from '@kaygraph/tasks';

/** Resolves WORKFLOWS_MODULE to a URL worker threads can import, and loads its `catalog`. */
export async function loadWorkflowsModule(
  specifier: string,
): Promise<{ url: string; catalog: WorkflowCatalog }> {
  const isPath = specifier.startsWith('.') || isAbsolute(specifier);
  const url = isPath ? pathToFileURL(resolve(specifier)).href : import.meta.resolve(specifier);
  const loaded: { catalog?: Partial<WorkflowCatalog> } = await import(url);
  const catalog = loaded.catalog;
  if (typeof catalog?.get !== 'function' || typeof catalog.list !== 'function') {
    throw new Error(
      `WORKFLOWS_MODULE ${specifier} must export \`catalog\` (an object with get() and list())`,
    );
  }
  return { url, catalog: catalog as WorkflowCatalog };
}
