import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isWorkflowsModule, type RunServicesOptions, type WorkflowsModule } from '../catalog.ts';
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
