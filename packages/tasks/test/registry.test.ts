import { Graph, Node } from '@kaygraph/graph';
import { expect, it } from 'vitest';
import { z } from 'zod';
import type { CatalogWorkflow, WorkflowCatalog } from '../src/catalog.ts';
import { WorkflowRegistry } from '../src/registry/workflow-registry.ts';
import { versionRecordOf } from '../src/registry/workflow-version.ts';
import { registerWorker, stopWorker } from '../src/store/workers.ts';
import { testDefaults } from './fixtures/workflow-defaults.ts';
import { startTestSystem, waitFor } from './harness.ts';

const defaults = testDefaults();

/** `approve` as two deploys declare it: v2's `approval` signal also needs a `note`. */
function approve(deploy: 1 | 2): CatalogWorkflow {
  const approval = z.object({ approved: z.boolean(), ...(deploy === 2 ? { note: z.string() } : {}) });
  return {
    name: 'approve',
    description: `Waits for an approval (deploy ${deploy})`,
    aliases: ['sign_off'],
    params: z.object({ document: z.string() }),
    signals: { approval },
    defaults,
    graph: () => new Graph(new Node()),
  };
}

function catalogOf(workflow: CatalogWorkflow): WorkflowCatalog {
  return { get: (name) => (name === workflow.name ? workflow : undefined), list: () => [workflow] };
}

it('new tasks get the version with live workers, else the one last in service; signals check against a given version', async () => {
  await using harness = await startTestSystem();
  const { system } = harness;
  const [v1, v2] = [versionRecordOf(approve(1)), versionRecordOf(approve(2))];
  await system.publishWorkflows(catalogOf(approve(1)));
  await system.publishWorkflows(catalogOf(approve(2)));
  const current = async (name: string) => (await system.workflows.resolve([name])).get(name)?.version;
  // Neither has a live worker: the one registered first most recently, by name or alias.
  expect(await current('approve')).toBe(v2.version);
  expect(await current('sign_off')).toBe(v2.version);

  // A live worker of v1 (a rollback while v2 has no workers): v1 gets new tasks until that worker stops.
  const worker = await registerWorker(system.context.db, { host: 'rollback', pid: 1 });
  await system.workflows.register([v1], worker.id);
  expect(await current('approve')).toBe(v1.version);
  // A worker of v2 comes and goes while v1's serves (a deploy rolled back by stopping it): v1 stays.
  const tried = await registerWorker(system.context.db, { host: 'tried', pid: 2 });
  await system.workflows.register([v2], tried.id);
  expect(await current('approve')).toBe(v2.version);
  await stopWorker(system.context.db, tried.id);
  await waitFor(async () => (await current('approve')) === v1.version, 'v1 to be current again');

  // Every worker stopped (a restart): new tasks still go to v1, the version last in service, which the
  // restarted workers will run; not to v2, registered later but rolled back.
  await stopWorker(system.context.db, worker.id);
  // Read afresh (a registry that keeps nothing between calls), not what the system's kept before the stop.
  const uncached = new WorkflowRegistry(system.context.db, 60);
  expect((await uncached.resolve(['approve'])).get('approve')?.version).toBe(v1.version);
  // Registering v2 again (a deploy step) makes it current.
  await system.publishWorkflows(catalogOf(approve(2)));
  expect(await current('approve')).toBe(v2.version);

  // A task's signals are checked against its own version's schemas.
  const first = await system.workflows.version('approve', v1.version);
  const second = await system.workflows.version('approve', v2.version);
  expect(first?.checkSignal('approval', { approved: true })).toEqual({
    ok: true,
    payload: { approved: true },
  });
  expect(second?.checkSignal('approval', { approved: true })).toEqual({
    ok: false,
    reason: 'invalid_payload',
    issues: [{ path: 'note', message: 'required' }],
  });
  expect(second?.checkSignal('rejection', {})).toMatchObject({ ok: false, reason: 'unknown_signal' });
  expect(await system.workflows.version('approve', 'no-such-version')).toBeUndefined();
});
