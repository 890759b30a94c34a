import type { WorkflowCatalog } from '../catalog.ts';
import type { PinnedVersion } from '../submit/validate-submit.ts';

/**
 * The versions a parent's children are submitted to: of each workflow the worker's own catalog has, the
 * version this worker serves (`served`: by workflow name, as it registered them at its start), whose code
 * the parent's node was written against. During a rolling deploy a parent on an old worker thus gets
 * children its params fit, run by workers of its own build, rather than the new build's current version,
 * which may refuse them. A workflow the catalog lacks (another app's) goes to its current version.
 */
export function childVersions(
  catalog: WorkflowCatalog,
  served: ReadonlyMap<string, string>,
  names: readonly string[],
): Map<string, PinnedVersion> {
  const pinned = new Map<string, PinnedVersion>();
  for (const name of new Set(names)) {
    const workflow = catalog.get(name);
    const version = workflow ? served.get(workflow.name) : undefined;
    if (workflow && version !== undefined) pinned.set(name, { name: workflow.name, version });
  }
  return pinned;
}
