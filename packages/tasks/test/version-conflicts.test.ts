import type { WorkflowRateLimit } from '@kaygraph/contracts';
import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { versionRecordOf } from '../src/registry/workflow-version.ts';
import { liveVersionConflicts } from '../src/store/registry.ts';
import { APPROVAL_V1_MODULE } from './fixtures/approval-v1.ts';
import { approvalCatalog } from './fixtures/approval-versions.ts';
import { startTestSystem } from './harness.ts';

it('a declared version whose per-key limit changed conflicts with what live workers serve', async () => {
  await using harness = await startTestSystem({ catalog: approvalCatalog('1') });
  const { context } = harness.system;
  await using _worker = await harness.system.startWorker({
    concurrency: 1,
    workflowsModule: APPROVAL_V1_MODULE,
  });
  const served = approvalCatalog('1').list()[0];
  if (!served) throw new Error('no approval workflow');
  const conflicts = (perKey: number | null) =>
    liveVersionConflicts(
      context.db,
      [versionRecordOf({ ...served, defaults: { ...served.defaults, concurrency_per_key: perKey } })],
      context.tuning.workerLeaseSeconds,
    );

  await expect(conflicts(null)).resolves.toEqual([]);
  await expect(conflicts(5)).resolves.toEqual([{ name: served.name, version: '1', differs: ['defaults'] }]);
});

it('a declared version whose rate limit changed conflicts with what live workers serve', async () => {
  await using harness = await startTestSystem({ catalog: approvalCatalog('1') });
  const { context } = harness.system;
  await using _worker = await harness.system.startWorker({
    concurrency: 1,
    workflowsModule: APPROVAL_V1_MODULE,
  });
  const served = approvalCatalog('1').list()[0];
  if (!served) throw new Error('no approval workflow');
  const conflicts = (rateLimit: WorkflowRateLimit | null) =>
    liveVersionConflicts(
      context.db,
      [versionRecordOf({ ...served, defaults: { ...served.defaults, rate_limit: rateLimit } })],
      context.tuning.workerLeaseSeconds,
    );

  await expect(conflicts(null)).resolves.toEqual([]);
  await expect(conflicts({ max: 10, per_seconds: 1 })).resolves.toEqual([
    { name: served.name, version: '1', differs: ['defaults'] },
  ]);
  // A version registered before the setting existed has none: the same defaults as a null one.
  await context.db.execute(sql`update workflow_versions set defaults = defaults - 'rate_limit'`);
  await expect(conflicts(null)).resolves.toEqual([]);
});
