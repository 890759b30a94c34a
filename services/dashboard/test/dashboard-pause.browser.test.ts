import { expect, it } from 'vitest';
import { useDashboardSession, WAIT } from './support/session.ts';

/** The Pause/Resume button of the workflows page: a paused workflow's task waits, the resume runs it. */

const session = useDashboardSession();

it('pauses a workflow from its page: the list and the page say so, its task waits, Resume runs it', async () => {
  const { client, page } = session;
  await session.openDashboard('#/submit?workflow=instant');
  const pause = page.getByTestId('workflow-pause');
  await pause.waitFor(WAIT);
  await expect(pause.locator('.pause-state').textContent()).resolves.toBe(
    'Workers start its tasks as they are queued.',
  );
  await pause.getByRole('button', { name: 'Pause workflow' }).click();
  await pause.getByRole('button', { name: 'Resume workflow' }).waitFor(WAIT);
  await expect(pause.locator('.pause-state').textContent()).resolves.toMatch(
    /^paused since .+: new tasks wait in the queue, no worker starts one$/,
  );
  const listed = page.locator('.workflow-item', { hasText: 'instant' }).first();
  await expect(listed.locator('.badge-paused').textContent()).resolves.toBe('paused');

  const held = await client.tasks.submit.mutate({ workflow: 'instant', params: {} });
  // Another workflow's task runs to its end: the worker fetched, and left the paused one's.
  const other = await client.tasks.submit.mutate({ workflow: 'pipeline', params: { items: 1 } });
  await session.waitForStatus(other.task_id, 'completed');
  await expect(client.tasks.get.query({ task_id: held.task_id })).resolves.toMatchObject({
    status: 'queued',
  });
  await session.screenshot('workflow-paused');

  await pause.getByRole('button', { name: 'Resume workflow' }).click();
  await session.waitForStatus(held.task_id, 'completed');
  await pause.getByRole('button', { name: 'Pause workflow' }).waitFor(WAIT);
  await expect(listed.locator('.badge-paused').count()).resolves.toBe(0);
});

it("says on the Active page and on a held task's page that its workflow is paused", async () => {
  const { client, page } = session;
  await client.workflows.pause.mutate({ name: 'instant_keyed' });
  const held = await client.tasks.submit.mutate({ workflow: 'instant_keyed', params: {} });
  await session.openDashboard('#/');
  const banner = page.getByTestId('paused-workflows');
  await banner.waitFor(WAIT);
  await expect(banner.textContent()).resolves.toBe(
    'Paused: instant_keyed. Its tasks wait in the queue and no worker starts one until it is resumed (on its page).',
  );
  await page
    .locator('[data-testid="queue-status"] tr[data-workflow="instant_keyed"] .badge-paused')
    .waitFor(WAIT);

  await session.openDashboard(`#/tasks/${held.task_id}`);
  const notice = page.getByTestId('workflow-paused');
  await notice.waitFor(WAIT);
  await expect(notice.textContent()).resolves.toMatch(
    /^Workflow instant_keyed is paused since .+: no worker starts its tasks until it is resumed \(its page\)\.$/,
  );
  await notice.getByRole('link', { name: 'its page' }).click();
  await page.getByTestId('workflow-pause').getByRole('button', { name: 'Resume workflow' }).click();
  await session.waitForStatus(held.task_id, 'completed');

  await session.openDashboard('#/');
  await page.getByText('All queues are empty').waitFor(WAIT);
  await expect(banner.count()).resolves.toBe(0);
});
