import type { WorkflowDefaults } from '@kaygraph/contracts';
import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { versionRecordOf } from '../src/registry/workflow-version.ts';
import { liveVersionConflicts } from '../src/store/registry.ts';
import { APPROVAL_V1_MODULE } from './fixtures/approval-v1.ts';
import { approvalCatalog } from './fixtures/approval-versions.ts';
import { startTestSystem } from './harness.ts';

/**
 * A system whose live worker serves approval v1, and the conflicts that v1 declared with `changed`
 * defaults has with what that worker serves.
 */
async function servingApprovalV1() {
  // Disposed in reverse: the worker, then the system; at once if the worker does not start.
  const stack = new AsyncDisposableStack();
  const harness = stack.use(await startTestSystem({ catalog: approvalCatalog('1') }));
  const { context } = harness.system;
  try {
    stack.use(await harness.system.startWorker({ concurrency: 1, workflowsModule: APPROVAL_V1_MODULE }));
  } catch (error) {
    await stack.disposeAsync();
    throw error;
  }
  const served = approvalCatalog('1').list()[0];
  if (!served) throw new Error('no approval workflow');
  const conflicts = (changed: Partial<WorkflowDefaults>) =>
    liveVersionConflicts(
      context.db,
      [versionRecordOf({ ...served, defaults: { ...served.defaults, ...changed } })],
      context.tuning.workerLeaseSeconds,
    );
  return {
    context,
    name: served.name,
    conflicts,
    [Symbol.asyncDispose]: () => stack.disposeAsync(),
  };
}

it('a declared version whose per-key limit changed conflicts with what live workers serve', async () => {
  await using serving = await servingApprovalV1();
  await expect(serving.conflicts({ concurrency_per_key: null })).resolves.toEqual([]);
  await expect(serving.conflicts({ concurrency_per_key: 5 })).resolves.toEqual([
    { name: serving.name, version: '1', differs: ['defaults'] },
  ]);
});

it('a declared version whose rate limit changed conflicts with what live workers serve', async () => {
  await using serving = await servingApprovalV1();
  await expect(serving.conflicts({ rate_limit: null })).resolves.toEqual([]);
  await expect(serving.conflicts({ rate_limit: { max: 10, per_seconds: 1 } })).resolves.toEqual([
    { name: serving.name, version: '1', differs: ['defaults'] },
  ]);
  // A version registered before the setting existed has none: the same defaults as a null one.
  await serving.context.db.execute(sql`update workflow_versions set defaults = defaults - 'rate_limit'`);
  await expect(serving.conflicts({ rate_limit: null })).resolves.toEqual([]);
});
