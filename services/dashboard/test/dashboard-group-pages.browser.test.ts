import { expect, it } from 'vitest';
import { failingCalls } from './support/failing-calls.ts';
import { useDashboardSession, WAIT } from './support/session.ts';

/**
 * A group with more tasks than one page (the dashboard reads 100 a page): "Load more" brings the rest,
 * and when the group finishes (its page is read again for the results) the loaded pages stay.
 */

// The group is made in one call: room for its 120 tasks.
const session = useDashboardSession({ limits: { maxBatchSize: 200, maxQueueSize: 1000 } });

it('loads the next page of a group and keeps it when the group finishes', async () => {
  const { page } = session;
  // 120 tasks: the review waits for its signal, so the group is still running while it is paged.
  const group = await session.client.trpc.groups.create.mutate({
    name: 'big batch',
    tasks: [
      ...Array.from({ length: 119 }, () => ({ workflow: 'instant', params: {} })),
      { workflow: 'review', params: {} },
    ],
  });
  const review = group.tasks.at(-1);
  if (!review) throw new Error('expected the review task');
  await session.waitForStatus(review.task_id, 'waiting');

  await session.openDashboard(`#/groups/${group.group_id}`);
  const rows = page.locator('[data-testid="group-tasks"] tbody tr');
  await rows.first().waitFor(WAIT);
  await expect(rows.count()).resolves.toBe(100);
  await page.getByText('Showing 100 of 120 tasks.').waitFor(WAIT);
  // A page that fails to load says so beside the button and keeps the tasks shown; the button tries again.
  {
    await using _failing = await failingCalls(page, 'groups.get');
    await page.getByRole('button', { name: 'Load more' }).click();
    await page.getByTestId('load-more-error').waitFor(WAIT);
  }
  await expect(rows.count()).resolves.toBe(100);
  await page.getByText('Showing 100 of 120 tasks.').waitFor(WAIT);
  await page.getByRole('button', { name: 'Load more' }).click();
  // The button goes while the page loads, before its rows are in: wait for the last row.
  await rows.nth(119).waitFor(WAIT);
  await page.getByRole('button', { name: 'Load more' }).waitFor({ state: 'detached', ...WAIT });
  await expect(rows.count()).resolves.toBe(120);
  await expect(page.getByTestId('load-more-error').count()).resolves.toBe(0);
  const ids = await rows.evaluateAll((elements) => elements.map((row) => row.getAttribute('data-task-id')));
  expect(new Set(ids)).toEqual(new Set(group.tasks.map((task) => task.task_id)));

  await session.client.signal(review.task_id, 'approval', { approved: true });
  await page.locator('.task-header .badge-completed').waitFor(WAIT);
  // The group's page is read again once it finished, bringing every shown task's result.
  await page.waitForFunction(
    () => {
      const cells = [...document.querySelectorAll('[data-testid="group-tasks"] td.result-cell')];
      return cells.length > 0 && cells.every((cell) => cell.textContent !== '—');
    },
    undefined,
    WAIT,
  );
  await expect(rows.count()).resolves.toBe(120);
  await expect(
    page.locator(`tr[data-task-id="${review.task_id}"] td.result-cell`).textContent(),
  ).resolves.toContain('"outcome":"published"');
  await expect(page.getByRole('button', { name: 'Load more' }).count()).resolves.toBe(0);
});
