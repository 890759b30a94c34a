import { type AnyWorkflows, createClient } from '@kaygraph/client';
import type { CatalogWorkflow } from '@kaygraph/tasks';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { catalog } from './fixtures/catalog.ts';
import { type Session, useDashboardSession, WAIT } from './support/session.ts';
import { startStack } from './support/stack.ts';

/**
 * The Versions panel after an upgrade stopped every worker of a workflow's old version: its unfinished
 * tasks move to the current version from the dashboard, with what stayed and why.
 */

const session = useDashboardSession();

/** `pipeline` as a newer build declares it: version "upgraded", at most 10 items. */
function upgradedPipeline(): CatalogWorkflow {
  const pipeline = catalog.get('pipeline');
  if (!pipeline) throw new Error('no pipeline workflow');
  const params = (pipeline.params as z.ZodObject).extend({ items: z.number().int().min(1).max(10) });
  return { ...pipeline, version: 'upgraded', params };
}

const upgradeCatalog = (workflow: CatalogWorkflow) => ({ get: () => workflow, list: () => [workflow] });

async function currentVersion(client: Session['client']): Promise<string> {
  const { workflows } = await client.workflows.list.query({});
  const version = workflows.find((workflow) => workflow.name === 'pipeline')?.version;
  if (!version) throw new Error('pipeline is not registered');
  return version;
}

/** Follows the task's stream until its failed run has been put back for a retry. */
async function waitForRetry(taskId: string): Promise<void> {
  let ran = false;
  for await (const event of session.client.watch(taskId)) {
    if (event.type !== 'status') continue;
    if (event.status === 'running') ran = true;
    else if (ran && (event.status === 'scheduled' || event.status === 'queued')) return;
  }
  throw new Error(`task ${taskId} ended without a retry`);
}

describe('moving a retired version’s tasks', () => {
  it('moves them to the current version, says which stayed and why, and moves retried ones when asked', async () => {
    const { client, page } = session;
    const retired = await currentVersion(client);
    // Ran two nodes and failed: its retry resumes from a checkpoint of the old graph.
    const retried = await client.tasks.submit.mutate({
      workflow: 'pipeline',
      params: { items: 4, item_ms: 10, fail_in: 'store' },
      max_retries: 1,
      retry_delay: 3600,
    });
    await waitForRetry(retried.task_id);
    await session.stack.stopWorker();
    const fits = await client.tasks.submit.mutate({ workflow: 'pipeline', params: { items: 3 } });
    const tooBig = await client.tasks.submit.mutate({ workflow: 'pipeline', params: { items: 50 } });
    await session.stack.publishWorkflows(upgradeCatalog(upgradedPipeline()));

    // The queued task's own page says why it does not run, and where to move it.
    await session.openDashboard(`#/tasks/${fits.task_id}`);
    const nowhere = page.getByTestId('version-nowhere');
    await nowhere.waitFor(WAIT);
    await expect(nowhere.textContent()).resolves.toBe(
      `Version ${retired} of pipeline was retired and no live worker runs it: the task runs nowhere until it is moved to the current version (Versions panel, or kaygraph workflows move-tasks pipeline ${retired}).`,
    );

    await session.openDashboard('#/submit?workflow=pipeline');
    const panel = page.locator('.panel', { has: page.getByTestId('workflow-versions') });
    const row = panel.locator(`tr[data-version="${retired}"]`);
    await row.waitFor(WAIT);
    await expect(row.textContent()).resolves.toContain('no live worker');
    await expect(panel.locator('[data-state="empty"]').textContent()).resolves.toContain(
      'Move tasks to current',
    );
    await expect(panel.locator('tr[data-version="upgraded"] button').count()).resolves.toBe(0);

    await row.getByRole('button', { name: 'Move tasks to current' }).click();
    await expect(row.locator('.confirm-label').textContent()).resolves.toBe('Move 3 tasks to upgraded?');
    await row.getByRole('button', { name: 'Yes, move' }).click();
    const outcome = panel.getByTestId('version-move-outcome');
    await outcome.waitFor(WAIT);
    await expect(outcome.locator('p').textContent()).resolves.toBe(
      `Moved 1 task from ${retired} to upgraded; 2 stayed on ${retired}:`,
    );
    const kept = outcome.locator('li');
    const keptTask = (taskId: string) => kept.filter({ has: page.locator(`a[href$="${taskId}"]`) });
    await expect(keptTask(tooBig.task_id).textContent()).resolves.toMatch(
      /queued params_invalid: its params do not match version upgraded: params\.items: must be <= 10$/,
    );
    await expect(keptTask(retried.task_id).textContent()).resolves.toContain(
      'resumes_from_checkpoint: it resumes from a checkpoint',
    );
    // The versions are read again: two tasks left on the old one.
    await row.locator('.version-unfinished', { hasText: /^2$/ }).waitFor(WAIT);
    await session.screenshot('versions-move');

    await row.getByRole('button', { name: 'Move tasks to current' }).click();
    await row.getByLabel('Include waiting and retried tasks').check();
    await row.getByRole('button', { name: 'Yes, move' }).click();
    await outcome.locator('p', { hasText: /^Moved 1 task .*; 1 stayed/ }).waitFor(WAIT);
    await expect(kept.count()).resolves.toBe(1);
    await expect(keptTask(tooBig.task_id).count()).resolves.toBe(1);

    for (const task of [fits, retried]) {
      await session.openDashboard(`#/tasks/${task.task_id}`);
      await page.locator('dd code', { hasText: /^upgraded$/ }).waitFor(WAIT);
    }
    // Moved to the current version, which has no worker either (stopped above): it waits for one.
    await session.openDashboard(`#/tasks/${fits.task_id}`);
    await expect(page.getByTestId('version-nowhere').textContent()).resolves.toBe(
      'No live worker runs version upgraded of pipeline: the task waits until one starts.',
    );
  });

  it("shows the api's 403 beside an admin's buttons for a key that is not an admin's", async () => {
    await using own = await startStack({ worker: false });
    // With no key yet the local caller is the operator: it makes the key, which locks the api.
    const operator = createClient<AnyWorkflows>({ url: own.url });
    const { key } = await operator.trpc.keys.create.mutate({ name: 'viewer' });
    operator.close();
    const viewer = createClient<AnyWorkflows>({ url: own.url, apiKey: key });
    try {
      await session.withPage(async (tab) => {
        await viewer.tasks.submit.mutate({ workflow: 'pipeline', params: { items: 3 } });
        const retired = await currentVersion(viewer);
        await own.publishWorkflows(upgradeCatalog(upgradedPipeline()));
        await tab.addInitScript((apiKey) => window.localStorage.setItem('kaygraph.apiKey', apiKey), key);
        await tab.goto(`${own.url}/dashboard/#/submit?workflow=pipeline`);
        const row = tab.locator(`[data-testid="workflow-versions"] tr[data-version="${retired}"]`);
        await row.getByRole('button', { name: 'Move tasks to current' }).click(WAIT);
        await row.getByRole('button', { name: 'Yes, move' }).click();
        const error = row.locator('.inline-error');
        await error.waitFor(WAIT);
        await expect(error.textContent()).resolves.toBe(
          "403 FORBIDDEN: moving a version's tasks needs an admin key",
        );
        await expect(tab.getByTestId('version-move-outcome').count()).resolves.toBe(0);

        // Cancelling a workflow's whole queue is an admin's too: the task stays queued.
        await tab.goto(`${own.url}/dashboard/#/tasks?status=queued&workflow=pipeline`);
        await tab.getByRole('button', { name: 'Cancel all queued' }).click(WAIT);
        await tab.getByRole('button', { name: 'Yes, cancel all' }).click();
        await expect(tab.getByTestId('bulk-error').textContent(WAIT)).resolves.toBe(
          "403 FORBIDDEN: cancelling a workflow's queued tasks needs an admin key",
        );
        const queued = await viewer.tasks.list.query({ status: 'queued', workflow: 'pipeline' });
        expect(queued.items).toHaveLength(1);
      });
    } finally {
      viewer.close();
    }
  });
});
