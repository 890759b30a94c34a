import { expect, it } from 'vitest';
import { useDashboardSession, WAIT } from './support/session.ts';

/**
 * A task's page read while a live worker served its version: when the task comes to need a run again
 * (here a wait ends; a run put back by a worker that died is the same) and no live worker is left, the page
 * says so, though its last read said the version was served.
 */

const session = useDashboardSession();

it('says no live worker runs the version once a task read while served needs a run again', async () => {
  const { client, page } = session;
  const { task_id } = await client.tasks.submit.mutate({ workflow: 'review', params: {} });
  await session.waitForStatus(task_id, 'waiting');
  const { workflow_version: version } = await client.tasks.get.query({ task_id });
  await session.openDashboard(`#/tasks/${task_id}`);
  await page.locator('.task-header .badge-waiting').waitFor(WAIT);
  await expect(page.getByTestId('version-nowhere').count()).resolves.toBe(0);

  await session.stack.stopWorker();
  // The wait ends: queued, with no worker left to run it.
  await client.signal(task_id, 'approval', { approved: true });
  await page.locator('.task-header .badge-queued').waitFor(WAIT);
  const nowhere = page.getByTestId('version-nowhere');
  await nowhere.waitFor(WAIT);
  await expect(nowhere.textContent()).resolves.toBe(
    `No live worker runs version ${version} of review: the task waits until one starts.`,
  );
});
