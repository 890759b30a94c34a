import type { Page } from '@kaygraph/test-browser';
import { beforeAll, describe, expect, it } from 'vitest';
import { useDashboardSession, WAIT } from './support/session.ts';
import { loadedText, until } from './support/waits.ts';

/**
 * The Tasks page in a real Chromium against a real api, worker and database: finished tasks listed
 * under their status, the workflow filter, paging past the first page (50 rows), "Go to task" (a full id
 * or a short one), and "Retry all failed".
 */

const INSTANT_COMPLETED = 60;
const INSTANT_FAILED = 3;
const PIPELINE_COMPLETED = 2;
const COMPLETED = INSTANT_COMPLETED + PIPELINE_COMPLETED;

const session = useDashboardSession({ limits: { maxBatchSize: 100 } });
let cancelledId: string;
let pipelineIds: string[];

beforeAll(async () => {
  const { client } = session;
  await client.tasks.submitMany.mutate({
    tasks: [
      ...Array.from({ length: INSTANT_COMPLETED }, () => ({ workflow: 'instant', params: {} })),
      ...Array.from({ length: INSTANT_FAILED }, () => ({ workflow: 'instant', params: { fail: true } })),
    ],
  });
  pipelineIds = [];
  for (let n = 0; n < PIPELINE_COMPLETED; n += 1) {
    const { task_id } = await client.tasks.submit.mutate({
      workflow: 'pipeline',
      params: { items: 1, item_ms: 1 },
    });
    pipelineIds.push(task_id);
  }
  const nap = await client.tasks.submit.mutate({ workflow: 'nap', params: { seconds: 3600 } });
  await client.tasks.cancel.mutate({ task_id: nap.task_id });
  cancelledId = nap.task_id;
  // The tasks finish on their own; the server's counts say when all have.
  let completed = 0;
  await until(
    async () => {
      const metrics = await client.trpc.metrics.query();
      completed = metrics.tasks_completed;
      return metrics.tasks_completed === COMPLETED && metrics.tasks_failed === INSTANT_FAILED;
    },
    () => `only ${completed} completed`,
  );
});

const rows = (page: Page) => page.locator('[data-testid="task-list"] tbody tr');

/** The listed rows' task ids and status badges, once the list shows `count` rows. */
async function listed(page: Page, count: number): Promise<{ ids: string[]; statuses: string[] }> {
  // A new filter or page replaces the rows: wait for the new ones, not the previous page's.
  await expect.poll(() => rows(page).count(), WAIT).toBe(count);
  const ids = await rows(page).evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-task-id') ?? ''));
  const statuses = await page.locator('[data-testid="task-list"] tbody .badge').allTextContents();
  return { ids, statuses };
}

const tabCount = (page: Page, tab: string) =>
  loadedText(page.getByTestId(`status-tab-${tab}`).locator('.count'));

describe('the Tasks page', () => {
  it('lists completed tasks newest first, a page of 50 at a time, with their counts', async () => {
    const { page } = session;
    await session.openDashboard('#/tasks');
    await page.getByTestId('status-tab-completed').click();
    await page.waitForURL(/#\/tasks\?status=completed$/);
    await page.locator('[data-testid="status-tab-completed"][aria-current="page"]').waitFor(WAIT);
    // Finished counts cover the metrics window: a lower bound of what the list holds.
    await expect(tabCount(page, 'completed')).resolves.toBe(`≥ ${COMPLETED}`);
    await expect(tabCount(page, 'failed')).resolves.toBe(`≥ ${INSTANT_FAILED}`);
    await expect(tabCount(page, 'cancelled')).resolves.toBe('≥ 1');
    await expect(tabCount(page, 'running')).resolves.toBe('0');

    const first = await listed(page, 50);
    expect(new Set(first.statuses)).toEqual(new Set(['completed']));
    // Newest first: the pipeline tasks were submitted last, the newest of them heads the list.
    expect(first.ids.slice(0, 2)).toEqual([...pipelineIds].reverse());
    await session.screenshot('tasks');

    await page.getByRole('link', { name: 'Older →' }).click();
    await page.waitForURL(/page=2/);
    const second = await listed(page, COMPLETED - 50);
    expect(new Set(second.statuses)).toEqual(new Set(['completed']));
    expect(second.ids.filter((id) => first.ids.includes(id))).toEqual([]);
    await expect(page.getByTestId('pager').textContent()).resolves.toContain(`tasks 51–${COMPLETED}`);
    await expect(page.getByRole('link', { name: 'Older →' }).count()).resolves.toBe(0);

    // The page is in the URL: a link opened elsewhere shows the same page, and offers the newest.
    await session.withPage(async (elsewhere) => {
      await elsewhere.goto(page.url());
      await expect(listed(elsewhere, COMPLETED - 50)).resolves.toEqual(second);
      await elsewhere.getByRole('link', { name: 'Newest' }).waitFor(WAIT);
      await expect(elsewhere.getByRole('link', { name: '← Newer' }).count()).resolves.toBe(0);
    });
    // This tab remembers the way back, across a reload too.
    await page.reload();
    await expect(listed(page, COMPLETED - 50)).resolves.toEqual(second);
    await page.getByRole('link', { name: '← Newer' }).click();
    await page.waitForURL(/#\/tasks\?status=completed$/);
    await expect(listed(page, 50)).resolves.toEqual(first);
  });

  it('lists failed and cancelled tasks under their status, each linking to its page', async () => {
    const { page } = session;
    await session.openDashboard('#/tasks?status=failed');
    const failed = await listed(page, INSTANT_FAILED);
    expect(failed.statuses).toEqual(Array(INSTANT_FAILED).fill('failed'));
    await expect(rows(page).first().textContent()).resolves.toContain('instant');

    await page.getByTestId('status-tab-cancelled').click();
    await page.locator('[data-testid="status-tab-cancelled"][aria-current="page"]').waitFor(WAIT);
    const cancelled = await listed(page, 1);
    expect(cancelled).toEqual({ ids: [cancelledId], statuses: ['cancelled'] });
    await rows(page).first().getByRole('link').click();
    await page.waitForURL(new RegExp(`#/tasks/${cancelledId}$`));
    await page.locator(`.page[data-task-id="${cancelledId}"] .task-header .badge-cancelled`).waitFor(WAIT);
  });

  it('filters by workflow, kept in the URL with the status', async () => {
    const { page } = session;
    await session.openDashboard('#/tasks?status=completed');
    await listed(page, 50);
    await page.getByLabel('Workflow').selectOption('pipeline');
    await page.waitForURL(/#\/tasks\?status=completed&workflow=pipeline$/);
    const pipeline = await listed(page, PIPELINE_COMPLETED);
    expect(pipeline.ids).toEqual([...pipelineIds].reverse());
    await expect(tabCount(page, 'completed')).resolves.toBe(`≥ ${PIPELINE_COMPLETED}`);
    await expect(tabCount(page, 'failed')).resolves.toBe('≥ 0');

    // A shared link opens with its filters chosen.
    await session.openDashboard('#/tasks?workflow=nap');
    await expect(listed(page, 1)).resolves.toEqual({ ids: [cancelledId], statuses: ['cancelled'] });
    await expect(page.getByLabel('Workflow').inputValue()).resolves.toBe('nap');
    await expect(page.getByTestId('status-tab-all').getAttribute('aria-current')).resolves.toBe('page');
    await page.getByTestId('status-tab-completed').click();
    await page.waitForURL(/#\/tasks\?status=completed&workflow=nap$/);
    await page.getByText('No tasks match.').waitFor(WAIT);
  });

  it('shows tasks submitted and changed elsewhere without a Refresh', async () => {
    const { page, client } = session;
    await session.openDashboard('#/tasks?workflow=review');
    // Read before the task exists: it can only come in live.
    await expect.poll(() => page.getByLabel('Workflow').inputValue(), WAIT).toBe('review');
    await page.getByText('No tasks match.').waitFor(WAIT);
    const review = await client.tasks.submit.mutate({ workflow: 'review', params: {} });
    const row = page.locator(`[data-testid="task-list"] tr[data-task-id="${review.task_id}"]`);
    await row.locator('.badge-waiting').waitFor(WAIT);
    await client.tasks.cancel.mutate({ task_id: review.task_id });
    await row.locator('.badge-cancelled').waitFor(WAIT);
  });

  it('opens a task by its full id or by its short id, from the box or a link', async () => {
    const { page } = session;
    await session.openDashboard('#/tasks?workflow=pipeline');
    await listed(page, PIPELINE_COMPLETED);
    const box = page.getByLabel('Task id');
    const [newest, older] = [...pipelineIds].reverse();
    if (!newest || !older) throw new Error('no pipeline task');
    const opened = (taskId: string) =>
      page.locator(`.page[data-task-id="${taskId}"] .task-header .badge-completed`).waitFor(WAIT);

    // The 8 characters the lists show name one task: it opens, under its full id.
    await box.fill(newest.slice(0, 8));
    await page.getByRole('button', { name: 'Go to task' }).click();
    await page.waitForURL(new RegExp(`#/tasks/${newest}$`));
    await opened(newest);
    // So does a link with them (from the CLI, a chat), in any case.
    await session.openDashboard(`#/tasks/${older.slice(0, 8).toUpperCase()}`);
    await page.waitForURL(new RegExp(`#/tasks/${older}$`));
    await opened(older);

    await session.openDashboard('#/tasks?workflow=pipeline');
    await box.fill('pipeline');
    await page.getByRole('button', { name: 'Go to task' }).click();
    await expect(page.getByTestId('go-to-task-problem').textContent()).resolves.toContain('is not a task id');

    await box.fill(` ${newest.toUpperCase()} `);
    await page.getByRole('button', { name: 'Go to task' }).click();
    await page.waitForURL(new RegExp(`#/tasks/${newest}$`));
    await opened(newest);
  });

  it('lists the tasks a shorter start names, and says plainly when none has it', async () => {
    const { page, client } = session;
    const all: string[] = [];
    let cursor: string | undefined;
    do {
      const answer = await client.tasks.list.query({ limit: 200, cursor });
      all.push(...answer.items.map((task) => task.task_id));
      cursor = answer.next_cursor ?? undefined;
    } while (cursor);
    // A first character several tasks share (66 tasks over 16 hex digits).
    const start = [...'0123456789abcdef'].find(
      (digit) => all.filter((id) => id.startsWith(digit)).length > 1,
    );
    if (!start) throw new Error('no shared first character');
    await session.openDashboard(`#/tasks/${start}`);
    const matches = page.getByTestId('prefix-matches');
    await matches.waitFor(WAIT);
    const shown = await matches
      .locator('tbody tr')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-task-id') ?? ''));
    expect(new Set(shown)).toEqual(new Set(all.filter((id) => id.startsWith(start))));
    await session.screenshot('tasks-short-id');
    const [chosen] = shown;
    await matches.getByRole('link').first().click();
    await page.waitForURL(new RegExp(`#/tasks/${chosen}$`));

    const unused = ['00000000', 'ffffffff', '12345678'].find(
      (prefix) => !all.some((id) => id.startsWith(prefix)),
    );
    await session.openDashboard(`#/tasks/${unused}`);
    const none = page.getByTestId('task-prefix');
    await expect(none.textContent(WAIT)).resolves.toContain(`No task starts with “${unused}”`);
    await expect(none.textContent()).resolves.not.toContain('BAD_REQUEST');
  });

  it('retries every failed task of a workflow from its tab, after asking, and says how many', async () => {
    const { page, client } = session;
    await session.openDashboard('#/tasks?status=failed&workflow=instant');
    const failed = await listed(page, INSTANT_FAILED);
    const attempts = async () =>
      Promise.all(failed.ids.map(async (id) => (await client.tasks.get.query({ task_id: id })).attempt));
    const before = await attempts();

    await page.getByRole('button', { name: 'Retry all failed' }).click();
    await page.getByText('Retry every failed task of instant?').waitFor(WAIT);
    await page.getByRole('button', { name: 'Yes, retry all' }).click();
    // They fail again at once, on purpose: the action's next call may already find them failed again,
    // retry them once more and stop, saying so (all-in-batches.test.ts pins that rule).
    await expect(page.getByTestId('bulk-outcome').textContent(WAIT)).resolves.toMatch(
      new RegExp(`^Retried ${INSTANT_FAILED} tasks(\\.|; more may remain: Retry all failed again\\.)$`),
    );
    // Each ran again (and, failing on purpose, failed again).
    await expect
      .poll(
        async () => (await attempts()).every((attempt, index) => attempt > (before[index] ?? attempt)),
        WAIT,
      )
      .toBe(true);
  });

  it("shows a task's concurrency key on its page", async () => {
    const { page, client } = session;
    const { task_id } = await client.tasks.submit.mutate({
      workflow: 'instant_keyed',
      params: {},
      concurrency_key: 'account-42',
    });
    await session.openDashboard(`#/tasks/${task_id}`);
    await page.locator('.task-header .badge-completed').waitFor(WAIT);
    const key = page.locator('dt', { hasText: 'Concurrency key' }).locator('xpath=following-sibling::dd[1]');
    await expect(key.textContent(WAIT)).resolves.toBe('account-42');
  });
});
