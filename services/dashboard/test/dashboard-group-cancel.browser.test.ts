import type { Route } from '@kaygraph/test-browser';
import { expect, it } from 'vitest';
import { failingCalls } from './support/failing-calls.ts';
import { useDashboardSession, WAIT } from './support/session.ts';

/**
 * "Cancel group" on a group's page: asked first, then how many tasks it cancelled and the group's
 * cancelled state; a finished group has no such button.
 */

const session = useDashboardSession();

/** A group of one `workflow` task, once that task has reached `status`. */
async function groupOfOne(name: string, workflow: string, status: string) {
  const group = await session.client.trpc.groups.create.mutate({ name, tasks: [{ workflow, params: {} }] });
  const [task] = group.tasks;
  if (!task) throw new Error('expected a task');
  await session.waitForStatus(task.task_id, status);
  return group;
}

it('cancels the unfinished tasks of a group after asking, says how many, then shows it cancelled', async () => {
  const { page } = session;
  const group = await session.client.trpc.groups.create.mutate({
    name: 'to cancel',
    tasks: [
      { workflow: 'instant', params: {} },
      { workflow: 'review', params: {} },
      { workflow: 'review', params: {} },
    ],
  });
  const [done, ...waiting] = group.tasks;
  if (!done || waiting.length !== 2) throw new Error('expected three tasks');
  await session.waitForStatus(done.task_id, 'completed');
  for (const task of waiting) await session.waitForStatus(task.task_id, 'waiting');

  await session.openDashboard(`#/groups/${group.group_id}`);
  const cancel = page.getByTestId('cancel-group');
  await page.locator('.task-header .badge-running').waitFor(WAIT);
  await cancel.getByRole('button', { name: 'Cancel group' }).click();
  await cancel.getByText('Cancel every unfinished task of this group?').waitFor(WAIT);
  // "Keep it" keeps it.
  await cancel.getByRole('button', { name: 'Keep it' }).click();
  const kept = await session.client.trpc.groups.get.query({ group_id: group.group_id });
  expect(kept.status).toBe('running');

  await cancel.getByRole('button', { name: 'Cancel group' }).click();
  await cancel.getByRole('button', { name: 'Yes, cancel the group' }).click();
  const outcome = cancel.getByRole('status');
  await outcome.waitFor(WAIT);
  await expect(outcome.textContent()).resolves.toBe('Cancelled 2 tasks.');
  await page.locator('.task-header .badge-cancelled').waitFor(WAIT);
  for (const task of waiting) {
    await page.locator(`tr[data-task-id="${task.task_id}"] .badge-cancelled`).waitFor(WAIT);
  }
  await page.locator(`tr[data-task-id="${done.task_id}"] .badge-completed`).waitFor(WAIT);
  // The group has finished: the button is gone, the outcome stays.
  await expect(cancel.getByRole('button', { name: 'Cancel group' }).count()).resolves.toBe(0);
  await expect(outcome.textContent()).resolves.toBe('Cancelled 2 tasks.');
  const after = await session.client.trpc.groups.get.query({ group_id: group.group_id });
  expect(after.status).toBe('cancelled');
});

it('keeps the page and the outcome when reading the group again after the cancel fails', async () => {
  const { page } = session;
  const group = await groupOfOne('reload fails', 'review', 'waiting');
  await session.openDashboard(`#/groups/${group.group_id}`);
  await page.locator('.task-header .badge-running').waitFor(WAIT);

  await using _failing = await failingCalls(page, 'groups.get');
  const cancel = page.getByTestId('cancel-group');
  await cancel.getByRole('button', { name: 'Cancel group' }).click();
  await cancel.getByRole('button', { name: 'Yes, cancel the group' }).click();
  const outcome = cancel.getByRole('status');
  await outcome.waitFor(WAIT);
  await expect(outcome.textContent()).resolves.toBe('Cancelled 1 task.');
  await page.locator('.task-header .badge-cancelled').waitFor(WAIT);
  // The failed reads (after the cancel, and once the group's feed completes) leave the page as it was.
  await expect
    .poll(() => session.client.trpc.groups.get.query({ group_id: group.group_id }))
    .toMatchObject({
      status: 'cancelled',
    });
  await page.waitForTimeout(1500);
  await expect(page.locator('[role="alert"]').count()).resolves.toBe(0);
  await expect(outcome.textContent()).resolves.toBe('Cancelled 1 task.');
  await expect(page.getByTestId('group-tasks').count()).resolves.toBe(1);
});

it('shows no Cancel group on a finished group', async () => {
  const { page } = session;
  const group = await groupOfOne('all done', 'instant', 'completed');
  await session.openDashboard(`#/groups/${group.group_id}`);
  await page.locator('.task-header .badge-completed').waitFor(WAIT);
  await expect(page.getByTestId('cancel-group').count()).resolves.toBe(0);
});

it('keeps the newest read of a group when an older, slower read answers last', async () => {
  const { page } = session;
  const group = await groupOfOne('slow first read', 'review', 'waiting');

  // The page's first read of the group is answered (while the group still runs) but held back until the
  // read made once the group's feed completes (after the cancel below) has been shown.
  let releaseFirst: (() => Promise<void>) | undefined;
  const groupReads = (url: URL) => url.pathname.startsWith('/trpc/') && url.pathname.includes('groups.get');
  const holdFirst = async (route: Route) => {
    if (releaseFirst) return route.continue();
    const response = await route.fetch();
    releaseFirst = () => route.fulfill({ response });
  };
  await page.route(groupReads, holdFirst);
  try {
    await session.openDashboard(`#/groups/${group.group_id}`);
    await expect.poll(() => releaseFirst !== undefined).toBe(true);
    await session.client.trpc.groups.cancel.mutate({ group_id: group.group_id });
    await page.locator('.task-header .badge-cancelled').waitFor(WAIT);
    await releaseFirst?.();
    await page.waitForTimeout(1000);
    await expect(page.locator('.task-header .badge-running').count()).resolves.toBe(0);
    await expect(page.locator('.task-header .badge-cancelled').count()).resolves.toBe(1);
  } finally {
    await page.unroute(groupReads, holdFirst);
  }
});
