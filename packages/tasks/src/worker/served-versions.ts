import type { WorkflowDefaults } from '@kaygraph/contracts';
import type { WorkflowCatalog } from '../catalog.ts';
import type { TaskContext } from '../context.ts';
import { refuseBuiltinNameClashes } from '../registry/builtin-names.ts';
import { versionConflictMessage } from '../registry/version-conflict.ts';
import { strandedVersionMessage } from '../registry/version-stranded.ts';
import { versionRecordOf } from '../registry/workflow-version.ts';
import type { QueueRef } from '../store/jobs.ts';
import {
  liveVersionConflicts,
  strandedVersions,
  type WorkflowVersionRecord,
  workflowsWithUnversionedTasks,
} from '../store/registry.ts';

/** A queue a worker takes jobs from, with the defaults of the version it holds. */
export interface ServedQueue extends QueueRef {
  defaults: WorkflowDefaults;
}

/**
 * What a worker serves: each workflow of its catalog under its version (declared, or a hash of its schemas
 * and defaults), which it registers (none whose name the built-ins have: registry/builtin-names.ts), and the queues it takes jobs from: its versions' own, so it never runs
 * a task validated against other params, plus the queue of tasks submitted before versions were recorded
 * while such tasks are left. The queues are created here, before the versions are registered, so a
 * submit always finds its version's queue.
 */
export async function servedVersions(
  ctx: TaskContext,
  catalog: WorkflowCatalog,
): Promise<{ versions: WorkflowVersionRecord[]; queues: ServedQueue[] }> {
  // Before anything is registered: a name of the built-ins taken unawares would move their tasks here.
  await refuseBuiltinNameClashes(ctx.db, catalog);
  const versions = catalog.list().map(versionRecordOf);
  // A declared version promises that a change is compatible (a rolling deploy keeps its tasks claimable):
  // said aloud when its schemas differ from what live workers serve, since both builds run its tasks.
  for (const conflict of await liveVersionConflicts(ctx.db, versions, ctx.tuning.workerLeaseSeconds)) {
    ctx.logger.warn(conflict, versionConflictMessage(conflict));
  }
  // Only workers of a task's version run it: tasks left by a deploy that stopped their version's workers
  // wait, unexplained, unless someone says so.
  for (const stranded of await strandedVersions(ctx.db, versions, ctx.tuning.workerLeaseSeconds)) {
    ctx.logger.warn(stranded, strandedVersionMessage(stranded));
  }
  const unversioned = new Set(
    await workflowsWithUnversionedTasks(
      ctx.db,
      versions.map((version) => version.name),
    ),
  );
  const queues = versions.flatMap((record): ServedQueue[] => {
    const own = { workflow: record.name, version: record.version, defaults: record.defaults };
    return unversioned.has(record.name) ? [own, { ...own, version: null }] : [own];
  });
  await ctx.queue.ensureQueues(queues);
  return { versions, queues };
}
