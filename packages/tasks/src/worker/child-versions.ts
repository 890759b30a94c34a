import type { CatalogWorkflow, WorkflowCatalog } from '../catalog.ts';
import { versionRecordOf } from '../registry/workflow-version.ts';
import type { PinnedVersion } from '../submit/validate-submit.ts';

/** Each catalog workflow's version, computed once (it hashes the workflow's JSON Schemas). */
const versions = new WeakMap<CatalogWorkflow, string>();

/**
 * The versions a parent's children are submitted to: of each workflow the worker's own catalog has, the
 * version this worker serves (and registered at its start), whose code the parent's node was written
 * against. During a rolling deploy a parent on an old worker thus gets children its params fit, run by
 * workers of its own build, rather than the new build's current version, which may refuse them. A
 * workflow the catalog lacks (another app's) goes to its current version.
 */
export function childVersions(
  catalog: WorkflowCatalog,
  names: readonly string[],
): Map<string, PinnedVersion> {
  const pinned = new Map<string, PinnedVersion>();
  for (const name of new Set(names)) {
    const workflow = catalog.get(name);
    if (!workflow) continue;
    let version = versions.get(workflow);
    if (version === undefined) {
      version = versionRecordOf(workflow).version;
      versions.set(workflow, version);
    }
    pinned.set(name, { name: workflow.name, version });
  }
  return pinned;
}
