import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  isWorkflowsModule,
  type RunServicesOptions,
  type WorkflowCatalog,
  type WorkflowsModule,
} from '../catalog.ts';
import type { RunServicesFactory } from './run-workflow.ts';

const modules = new Map<string, Promise<WorkflowsModule>>();

/** Imports a workflows module once per thread; accepts a specifier, a file URL or an absolute path. */
export function loadWorkflowsModule(specifier: string): Promise<WorkflowsModule> {
  let loaded = modules.get(specifier);
  if (!loaded) {
    const target = isAbsolute(specifier) ? pathToFileURL(specifier).href : specifier;
    loaded = import(target).then((module: unknown) => {
      if (!isWorkflowsModule(module)) throw new Error(`${specifier} does not export a workflow \`catalog\``);
      return module;
    });
    modules.set(specifier, loaded);
  }
  return loaded;
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

const factories = new Map<string, RunServicesFactory>();

/** The module's per-run services factory, created once per thread (it may hold a pool). */
export function servicesFactoryOf(
  specifier: string,
  module: WorkflowsModule,
  options: RunServicesOptions,
): RunServicesFactory {
  if (!module.createServices) return undefined;
  let factory = factories.get(specifier);
  if (!factory) {
    factory = module.createServices(options);
    factories.set(specifier, factory);
  }
  return factory;
}
