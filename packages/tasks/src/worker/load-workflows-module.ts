import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  isWorkflowsModule,
  type RunServicesOptions,
  type WorkflowCatalog,
  type WorkflowsModule,
} from '../catalog.ts';
import type { RunServicesFactory } from './run-workflow.ts';

/**
 * A workflows module a service was told to load cannot be: nothing is at its name or path, or it has no
 * `catalog`. A setting to fix, not a bug in the module (a module that throws as it loads keeps its stack).
 */
export class WorkflowsModuleError extends Error {
  override name = 'WorkflowsModuleError';
}

/** Node's code for a module or package that is not where it was looked for. */
const NOT_FOUND_CODES = new Set(['ERR_MODULE_NOT_FOUND', 'ERR_PACKAGE_PATH_NOT_EXPORTED']);

/** The URL of `specifier` (a package specifier, or a path relative to the working directory) and its module. */
async function importWorkflowsModule(specifier: string): Promise<{ url: string; loaded: unknown }> {
  const isPath = specifier.startsWith('.') || isAbsolute(specifier);
  let url: string | undefined;
  try {
    url = isPath ? pathToFileURL(resolve(specifier)).href : import.meta.resolve(specifier);
    return { url, loaded: await import(url) };
  } catch (error) {
    const { code, message, url: missing } = (error ?? {}) as Record<string, unknown>;
    if (typeof code !== 'string' || !NOT_FOUND_CODES.has(code)) throw error;
    // The module itself (no such file, or no such package to resolve), or something it imports.
    const reason =
      url === undefined
        ? `was not found: ${String(message)}`
        : missing === url
          ? `was not found: there is no ${fileURLToPath(url)}`
          : `cannot be loaded: ${String(message)}`;
    throw new WorkflowsModuleError(`the workflows module ${specifier} ${reason}`, { cause: error });
  }
}

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
  const { url, loaded: module } = await importWorkflowsModule(specifier);
  const loaded = (module ?? {}) as { catalog?: Partial<WorkflowCatalog> };
  if (typeof loaded.catalog?.get !== 'function' || typeof loaded.catalog.list !== 'function') {
    throw new WorkflowsModuleError(
      `workflows module ${specifier} must export \`catalog\` (an object with get() and list())`,
    );
  }
  const workflows = await loadWorkflowsModule(url);
  return { url, catalog: workflows.catalog, module: workflows };
}

/** The module's per-run services factory (it may hold a pool: create it once per thread or runtime). */
export function servicesFactoryOf(module: WorkflowsModule, options: RunServicesOptions): RunServicesFactory {
  return module.createServices ? module.createServices(options) : undefined;
}
