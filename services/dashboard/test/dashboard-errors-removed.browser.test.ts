import { expect, it } from 'vitest';
import { useDashboardSession, WAIT } from './support/session.ts';

/**
 * Failed tasks removed elsewhere (the api, the CLI, another tab) leave the Errors page without a reload:
 * when the feed next reports a status change, and when the page is opened again.
 */

const session = useDashboardSession();

async function failed(): Promise<string> {
  const { task_id } = await session.client.tasks.submit.mutate({
    workflow: 'instant',
    params: { fail: true },
  });
  await session.waitForStatus(task_id, 'failed');
  return task_id;
}

const entry = (taskId: string) =>
  session.page.locator(`[data-testid="error-log"] li[data-task-id="${taskId}"]`);

it('drops the row of a failure removed elsewhere when the feed next reports a status change', async () => {
  const [removed, kept] = [await failed(), await failed()];
  await session.openDashboard('#/errors');
  await entry(removed).waitFor(WAIT);
  await entry(kept).waitFor(WAIT);

  await session.client.trpc.tasks.remove.mutate({ task_id: removed });
  // No event says so; the next status change (another failure) has the page check what it shows.
  const next = await failed();
  await entry(next).waitFor(WAIT);
  await entry(removed).waitFor({ state: 'detached', ...WAIT });
  await expect(entry(kept).count()).resolves.toBe(1);
});

it('shows no failure removed elsewhere while the page was not open', async () => {
  const { page } = session;
  const [removed, kept] = [await failed(), await failed()];
  await session.openDashboard('#/errors');
  await entry(removed).waitFor(WAIT);
  await page.getByRole('link', { name: 'Tasks', exact: true }).click();
  await page.getByTestId('task-list').waitFor(WAIT);

  await session.client.trpc.tasks.remove.mutate({ task_id: removed });
  await page.getByRole('link', { name: 'Errors', exact: true }).click();
  await entry(kept).waitFor(WAIT);
  await entry(removed).waitFor({ state: 'detached', ...WAIT });
});
