import { expect, it } from 'vitest';
import { useDashboardSession, WAIT } from './support/session.ts';

/**
 * Removing finished tasks from the dashboard: one from its page (asked first, then the task list says
 * so), one the api refuses (409: its group still reads it) said beside the button, and "Remove all
 * completed" of the Tasks list's filters.
 */

const session = useDashboardSession();

async function isGone(taskId: string): Promise<boolean> {
  try {
    await session.client.tasks.get.query({ task_id: taskId });
    return false;
  } catch (error) {
    if (error instanceof Error && /not found/i.test(error.message)) return true;
    throw error;
  }
}

it('removes a finished task from its page after asking, and the task list says so', async () => {
  const { page } = session;
  const [removed, kept] = await Promise.all(
    [1, 2].map(() => session.client.tasks.submit.mutate({ workflow: 'instant', params: {} })),
  );
  if (!removed || !kept) throw new Error('expected two tasks');
  const { task_id } = removed;
  await session.waitForStatus(task_id, 'completed');
  await session.waitForStatus(kept.task_id, 'completed');
  await session.openDashboard(`#/tasks/${task_id}`);
  const removal = page.getByTestId('remove-task');
  await removal.getByRole('button', { name: 'Remove' }).click();
  await removal.getByText('Remove this task and its history for good?').waitFor(WAIT);
  // "Keep it" keeps it.
  await removal.getByRole('button', { name: 'Keep it' }).click();
  await expect(isGone(task_id)).resolves.toBe(false);

  await removal.getByRole('button', { name: 'Remove' }).click();
  await removal.getByRole('button', { name: 'Yes, remove' }).click();
  await page.waitForURL(/#\/tasks$/, WAIT);
  const notice = page.getByTestId('page-notice');
  await notice.waitFor(WAIT);
  await expect(notice.textContent()).resolves.toContain(`Removed task ${task_id.slice(0, 8)}.`);
  await expect(isGone(task_id)).resolves.toBe(true);
  await page.locator(`[data-testid="task-list"] tr[data-task-id="${kept.task_id}"]`).waitFor(WAIT);
  await expect(page.locator(`[data-testid="task-list"] tr[data-task-id="${task_id}"]`).count()).resolves.toBe(
    0,
  );
  await notice.getByRole('button', { name: 'Dismiss' }).click();
  await notice.waitFor({ state: 'detached', ...WAIT });
});

it("shows the api's 409 when a task's group still reads it, and keeps the task", async () => {
  const { page } = session;
  const group = await session.client.trpc.groups.create.mutate({
    name: 'half done',
    tasks: [
      { workflow: 'instant', params: {} },
      { workflow: 'review', params: {} },
    ],
  });
  const [done, waiting] = group.tasks;
  if (!done || !waiting) throw new Error('expected two tasks');
  await session.waitForStatus(done.task_id, 'completed');
  await session.openDashboard(`#/tasks/${done.task_id}`);
  const removal = page.getByTestId('remove-task');
  await removal.getByRole('button', { name: 'Remove' }).click();
  await removal.getByRole('button', { name: 'Yes, remove' }).click();
  const refusal = removal.getByRole('alert');
  await refusal.waitFor(WAIT);
  await expect(refusal.textContent()).resolves.toMatch(
    /^409 CONFLICT: .*still read by unfinished tasks.*remove it once they finished/,
  );
  await expect(page.url()).toContain(`#/tasks/${done.task_id}`);
  await expect(isGone(done.task_id)).resolves.toBe(false);
  // A task still running has nothing to remove.
  await session.openDashboard(`#/tasks/${waiting.task_id}`);
  await page.locator('.task-header .badge-waiting').waitFor(WAIT);
  await expect(page.getByTestId('remove-task').count()).resolves.toBe(0);
});

it("removes every completed task of the list's workflow, and only those", async () => {
  const { page } = session;
  const keyed = await Promise.all(
    [1, 2, 3].map(() => session.client.tasks.submit.mutate({ workflow: 'instant_keyed', params: {} })),
  );
  const failed = await session.client.tasks.submit.mutate({
    workflow: 'instant_keyed',
    params: { fail: true },
  });
  const other = await session.client.tasks.submit.mutate({
    workflow: 'pipeline',
    params: { items: 1, item_ms: 1 },
  });
  await Promise.all([
    ...keyed.map((task) => session.waitForStatus(task.task_id, 'completed')),
    session.waitForStatus(failed.task_id, 'failed'),
    session.waitForStatus(other.task_id, 'completed'),
  ]);
  await session.openDashboard('#/tasks?status=completed&workflow=instant_keyed');
  const list = page.getByTestId('task-list');
  for (const task of keyed) await list.locator(`tr[data-task-id="${task.task_id}"]`).waitFor(WAIT);
  await page.getByRole('button', { name: 'Remove all completed' }).click();
  await page.getByText('Remove every completed task of instant_keyed for good?').waitFor(WAIT);
  await page.getByRole('button', { name: 'Yes, remove all' }).click();
  const outcome = page.getByTestId('bulk-outcome');
  await outcome.waitFor(WAIT);
  await expect(outcome.textContent()).resolves.toBe('Removed 3 tasks.');
  for (const task of keyed) await expect(isGone(task.task_id)).resolves.toBe(true);
  await list.locator(`tr[data-task-id="${keyed[0]?.task_id}"]`).waitFor({ state: 'detached', ...WAIT });
  await expect(isGone(failed.task_id)).resolves.toBe(false);
  await expect(isGone(other.task_id)).resolves.toBe(false);
});

it('counts the child tasks "Remove all completed" removed with their parent', async () => {
  const { page } = session;
  const parent = await session.client.tasks.submit.mutate({ workflow: 'fanout', params: { children: 2 } });
  await session.waitForStatus(parent.task_id, 'waiting');
  const { items: children } = await session.client.tasks.list.query({ parent_task_id: parent.task_id });
  expect(children).toHaveLength(2);
  for (const child of children) {
    await session.waitForStatus(child.task_id, 'waiting');
    await session.client.signal(child.task_id, 'approval', { approved: true });
  }
  await session.waitForStatus(parent.task_id, 'completed');
  await session.openDashboard('#/tasks?status=completed&workflow=fanout');
  await page.getByTestId('task-list').locator(`tr[data-task-id="${parent.task_id}"]`).waitFor(WAIT);
  await page.getByRole('button', { name: 'Remove all completed' }).click();
  await page.getByRole('button', { name: 'Yes, remove all' }).click();
  const outcome = page.getByTestId('bulk-outcome');
  await outcome.waitFor(WAIT);
  // The parent and its two children: the api's answer lists the parent alone.
  await expect(outcome.textContent()).resolves.toBe('Removed 3 tasks.');
  for (const task of [parent, ...children]) await expect(isGone(task.task_id)).resolves.toBe(true);
});

it("removes what had finished by the server's clock, whatever the browser's clock says", async () => {
  const done = await Promise.all(
    [1, 2].map(() => session.client.tasks.submit.mutate({ workflow: 'instant_keyed', params: {} })),
  );
  await Promise.all(done.map((task) => session.waitForStatus(task.task_id, 'completed')));
  await session.withPage(async (page) => {
    // A browser two hours behind: a cutoff taken from its clock would find nothing finished before it.
    await page.clock.setFixedTime(Date.now() - 2 * 60 * 60 * 1000);
    await page.goto(`${session.stack.url}/dashboard/#/tasks?status=completed&workflow=instant_keyed`);
    await page.locator('[data-testid="connection"].connection-live').waitFor(WAIT);
    const list = page.getByTestId('task-list');
    for (const task of done) await list.locator(`tr[data-task-id="${task.task_id}"]`).waitFor(WAIT);
    await page.getByRole('button', { name: 'Remove all completed' }).click();
    await page.getByRole('button', { name: 'Yes, remove all' }).click();
    const outcome = page.getByTestId('bulk-outcome');
    await outcome.waitFor(WAIT);
    await expect(outcome.textContent()).resolves.toBe('Removed 2 tasks.');
  });
  for (const task of done) await expect(isGone(task.task_id)).resolves.toBe(true);
});
