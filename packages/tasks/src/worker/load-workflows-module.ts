import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  isWorkflowsModule,
  type RunServicesOptions,
  type WorkflowCatalog,
  type WorkflowsModule,
} from '../catalog.ts';
import type { RunServicesFactory } from './run-workflow.ts';

/** Imports a workflows module (Node caches it per thread); a specifier, a file URL or an absolute path. */
export async function loadWorkflowsModule(specifier: string): Promise<WorkflowsModule> {
  const target = isAbsolute(specifier) ? pathToFileURL(specifier).href : specifier;
  const module: unknown = await import(target);
  if (!isWorkflowsModule(module)) throw new Error(`${specifier} does not export a workflow \`catalog\``);
  return module;
}

/**
 * What a service does with its WORKFLOWS_MODULE setting: resolves a package specifier or a file path
 * (relative to the working directory) to the URL worker threads import too, and loads its `catalog`.
 *
 * @example
 * const workflows = await resolveWorkflowsModule(env.WORKFLOWS_MODULE);
 * const system = await createTaskSystem({ databaseUrl, catalog: workflows.catalog, logger });
 * await system.startWorker({ concurrency: 4, workflowsModule: workflows.url });
 */
export async function resolveWorkflowsModule(
  specifier: string,
): Promise<{ url: string; catalog: WorkflowCatalog; module: WorkflowsModule }> {
  const isPath = specifier.startsWith('.') || isAbsolute(specifier);
  const url = isPath ? pathToFileURL(resolve(specifier)).href : import.meta.resolve(specifier);
  const loaded: { catalog?: Partial<WorkflowCatalog> } = await import(url);
  if (typeof loaded.catalog?.get !== 'function' || typeof loaded.catalog.list !== 'function') {
    throw new Error(
      `workflows module ${specifier} must export \`catalog\` (an object with get() and list())`,
    );
  }
  const module = await loadWorkflowsModule(url);
  return { url, catalog: module.catalog, module };
}

/** The module's per-run services factory (it may hold a pool: create it once per thread or runtime). */
export function servicesFactoryOf(module: WorkflowsModule, options: RunServicesOptions): RunServicesFactory {
  return module.createServices ? module.createServices(options) : undefined;
}
