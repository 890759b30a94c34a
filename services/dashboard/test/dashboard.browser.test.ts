import { readFile } from 'node:fs/promises';
import { isTerminalStatus } from '@kaygraph/contracts';
import { describe, expect, it } from 'vitest';
import { useDashboardSession, WAIT } from './support/session.ts';

/**
 * The dashboard in a real Chromium against a real api, worker and database: live tasks, the
 * submit form, cancel, the error log, charts. Screenshots go to `screenshotsDir()` (docs/screenshots under `npm run screenshots`).
 */

const session = useDashboardSession();

describe('dashboard in a browser', () => {
  it('is served by the api under /dashboard', async () => {
    const response = await fetch(`${session.stack.url}/dashboard/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    await session.openDashboard('#/');
    await expect(session.page.title()).resolves.toContain('KayGraph Tasks');
  });

  it('runs no script injected into the page (its policy allows only its own files)', async () => {
    await session.openDashboard('#/');
    const ran = await session.page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'document.body.dataset.injected = "yes"';
      document.body.append(script);
      return document.body.dataset.injected === 'yes';
    });
    expect(ran).toBe(false);
    // The browser reports the refusal on the console, which the session counts as a page error.
    await expect.poll(() => session.pageErrors.length).toBeGreaterThan(0);
    expect(session.pageErrors.every((error) => /Content Security Policy/i.test(error))).toBe(true);
    session.pageErrors.length = 0;
  });

  it('submits a task from the generated form and shows its bar reach 100 %', async () => {
    await session.openDashboard('#/submit?workflow=pipeline');
    const form = session.page.getByTestId('submit-form');
    await form.locator('#param-items').fill('12');
    await form.locator('#param-item_ms').fill('150');
    await form.locator('#param-label').fill('from the browser');
    await session.screenshot('submit');
    await form.getByRole('button', { name: 'Submit task' }).click();

    // The form leads to the new task's page, where the bar follows the live events.
    await session.page.waitForURL(/#\/tasks\/[0-9a-f-]{36}$/, WAIT);
    const taskId = session.page.url().split('/').at(-1) ?? '';
    await session.page
      .locator(`[data-task-id="${taskId}"] [role="progressbar"][aria-valuenow="100"]`)
      .waitFor(WAIT);
    await session.page.locator('.task-header .badge-completed').waitFor(WAIT);
    await session.page.getByTestId('node-metrics').waitFor(WAIT);
    await expect(session.page.getByTestId('node-metrics').locator('tbody tr').count()).resolves.toBe(3);
    const history = session.page.getByTestId('event-history');
    await expect(history.textContent()).resolves.toContain('transform');
    // Each step's progress reports fold under its last one; the toggle shows them.
    const foldedRows = history.locator('tr.folded');
    await expect(foldedRows.count()).resolves.toBe(0);
    await history
      .getByRole('button', { name: /^\d+ earlier$/ })
      .first()
      .click();
    await expect(foldedRows.count()).resolves.toBeGreaterThan(0);
    await expect(history.locator('tr[data-event-type="status"]').count()).resolves.toBe(3);
    // The chart ends where the task did: its completed event carries 100 %.
    const chart = session.page.locator('svg[aria-label="Progress over time"]');
    await expect(chart.locator('circle title').last().textContent()).resolves.toBe('progress: 100 %');
    await expect(session.page.locator('.json').last().textContent()).resolves.toContain('from the browser');
    await session.screenshot('task');

    const stored = await session.client.tasks.get.query({ task_id: taskId });
    expect(stored).toMatchObject({ status: 'completed', progress: 100, params: { items: 12, item_ms: 150 } });
  });

  it('shows tasks submitted elsewhere live and cancels one from the active list', async () => {
    await session.openDashboard('#/');
    const long = await session.client.tasks.submit.mutate({
      workflow: 'pipeline',
      params: { items: 400, item_ms: 200 },
    });
    // More than the worker's 4 slots, so the queue status has something waiting too.
    const others = await Promise.all(
      (['high', 'high', 'normal', 'low', 'low'] as const).map((priority, index) =>
        session.client.tasks.submit.mutate({
          workflow: 'pipeline',
          params: { items: 80 + index * 20, item_ms: 250 },
          priority,
        }),
      ),
    );
    const row = session.page.locator(`[data-testid="active-tasks"] tr[data-task-id="${long.task_id}"]`);
    await row.locator('.badge-running').waitFor(WAIT);
    // The bar moves with the feed's progress events, without a reload.
    await session.page.waitForFunction(
      (id) => {
        const bar = document.querySelector(`tr[data-task-id="${id}"] [role="progressbar"]`);
        return Number(bar?.getAttribute('aria-valuenow') ?? 0) >= 5;
      },
      long.task_id,
      WAIT,
    );
    await session.page.locator('[data-testid="queue-status"]').waitFor(WAIT);
    await session.screenshot('active');

    // Cancel asks once more; keeping it leaves the task running.
    await row.getByRole('button', { name: 'Cancel' }).click();
    await row.getByText('Cancel this task?').waitFor(WAIT);
    await row.getByRole('button', { name: 'Keep it' }).click();
    await expect(session.client.tasks.get.query({ task_id: long.task_id })).resolves.toMatchObject({
      status: 'running',
    });
    await row.getByRole('button', { name: 'Cancel' }).click();
    await row.getByRole('button', { name: 'Yes, cancel' }).click();
    await row.waitFor({ state: 'detached', ...WAIT });
    const cancelled = await session.client.tasks.get.query({ task_id: long.task_id });
    expect(cancelled.status).toBe('cancelled');
    // Leave the worker free for the next test.
    for (const task of others) {
      const { status } = await session.client.tasks.get.query({ task_id: task.task_id });
      if (!isTerminalStatus(status)) await session.client.tasks.cancel.mutate({ task_id: task.task_id });
    }
  });

  it('shows a loading state, not counts of 0, until the live feed has connected', async () => {
    await session.withPage(async (page) => {
      // A socket that opens and never answers: the feed stays connecting.
      await page.routeWebSocket(/\/trpc/, () => {});
      await page.goto(`${session.stack.url}/dashboard/#/`);
      const running = page.getByTestId('stat-running');
      await running.waitFor(WAIT);
      await expect(running.getAttribute('data-state')).resolves.toBe('loading');
      await expect(running.locator('.stat-value').textContent()).resolves.toBe('…');
      await page.locator('.panel .loading').first().waitFor(WAIT);
    });
    // Connected, the same page shows real counts.
    await session.openDashboard('#/');
    const running = session.page.getByTestId('stat-running');
    await expect(running.getAttribute('data-state')).resolves.toBe('ready');
  });

  it('lists a failed task in the error log with its error (never a server stack)', async () => {
    await session.openDashboard('#/errors');
    const failing = await session.client.tasks.submit.mutate({
      workflow: 'pipeline',
      params: { items: 10, item_ms: 30, fail_in: 'transform' },
    });
    const entry = session.page.locator(`[data-testid="error-log"] li[data-task-id="${failing.task_id}"]`);
    await entry.waitFor(WAIT);
    await expect(entry.locator('.error-message').textContent()).resolves.toContain(
      'transform failed on purpose',
    );
    await expect(entry.locator('.stack').count()).resolves.toBe(0);
    // The title's count is the server's, read again a moment after the failure was heard.
    await session.page.getByRole('heading', { name: /^Error log · 1 failed/ }).waitFor(WAIT);
    await session.screenshot('errors');
    // Older failures come page by page from tasks.list; each task is listed once.
    await session.page.getByRole('button', { name: 'Load older failures' }).click();
    await session.page.getByText('No older failures.').waitFor(WAIT);
    await expect(
      session.page.locator(`[data-testid="error-log"] li[data-task-id="${failing.task_id}"]`).count(),
    ).resolves.toBe(1);
    // Its page says there is no result because it failed, not that one is yet to come.
    await entry.getByRole('link').click();
    const result = session.page.locator('.panel', { has: session.page.locator('h2', { hasText: 'Result' }) });
    await result.locator('[data-state="empty"]').waitFor(WAIT);
    await expect(result.textContent()).resolves.toContain('No result: the task failed');
  });

  it('says plainly that a malformed task id is none, instead of loading forever', async () => {
    await session.openDashboard('#/tasks/garbage');
    const page = session.page.getByTestId('task-prefix');
    await expect(page.textContent(WAIT)).resolves.toContain('“garbage” is not a task id');
    await expect(page.textContent()).resolves.not.toContain('BAD_REQUEST');
    await expect(session.page.locator('.loading').count()).resolves.toBe(0);
  });

  it('recovers a task page by itself when its first read failed (database away)', async () => {
    const { page } = session;
    const running = await session.client.tasks.submit.mutate({
      workflow: 'pipeline',
      params: { items: 1000, item_ms: 200 },
      timeout_seconds: 3600,
    });
    await session.waitForStatus(running.task_id, 'running');
    // The first read of the task meets a database outage: the api's 503 for every call of that batch.
    let failed = () => {};
    const answered = new Promise<void>((resolve) => {
      failed = resolve;
    });
    let outage = true;
    const reads = (url: URL) => url.pathname.startsWith('/trpc/') && url.pathname.includes('tasks.get');
    await page.route(reads, async (route) => {
      if (!outage) return route.continue();
      outage = false;
      const message = 'the database is unavailable; try again shortly';
      const paths = new URL(route.request().url()).pathname.replace('/trpc/', '').split(',');
      const error = (path: string) => ({
        error: {
          message,
          code: -32603,
          data: {
            code: 'SERVICE_UNAVAILABLE',
            httpStatus: 503,
            path,
            errorBody: { code: 'UNAVAILABLE', message },
          },
        },
      });
      await route.fulfill({ status: 503, contentType: 'application/json', json: paths.map(error) });
      failed();
    });
    try {
      await page.goto(`${session.stack.url}/dashboard/#/tasks/${running.task_id}`);
      await answered;
      // The api answers again: the page shows the task, live, without a reload.
      await page.locator(`[data-task-id="${running.task_id}"] .task-header .badge-running`).waitFor(WAIT);
      await expect(page.locator('.loading').count()).resolves.toBe(0);
      await expect(page.locator('.notice-error').count()).resolves.toBe(0);
    } finally {
      await page.unroute(reads);
      await session.client.tasks.cancel.mutate({ task_id: running.task_id });
    }
  });

  it("downloads a task's artifact from its page", async () => {
    const csv = 'group,count\na,1\nb,2\n';
    const done = await session.client.tasks.submit.mutate({ workflow: 'instant', params: { csv } });
    await session.waitForStatus(done.task_id, 'completed');
    await session.openDashboard(`#/tasks/${done.task_id}`);
    const artifact = session.page.locator('.artifacts li', { hasText: 'groups.csv' });
    await artifact.waitFor(WAIT);
    const [download] = await Promise.all([
      session.page.waitForEvent('download', WAIT),
      artifact.getByRole('button', { name: 'Download' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('groups.csv');
    const path = await download.path();
    await expect(readFile(path, 'utf8')).resolves.toBe(csv);
  });

  it('stays live across an api restart', async () => {
    await session.openDashboard('#/');
    await session.stack.restartApi();
    // The page reconnects by itself and re-reads the state; then new tasks show up live again.
    await session.page.locator('[data-testid="connection"].connection-live').waitFor(WAIT);
    const after = await session.client.tasks.submit.mutate({
      workflow: 'pipeline',
      params: { items: 40, item_ms: 100 },
    });
    const row = session.page.locator(`[data-testid="active-tasks"] tr[data-task-id="${after.task_id}"]`);
    await row.locator('.badge-running').waitFor(WAIT);
    await row.getByRole('button', { name: 'Cancel' }).click();
    await row.getByRole('button', { name: 'Yes, cancel' }).click();
    await row.waitFor({ state: 'detached', ...WAIT });
  });

  it('draws the last hour of throughput and run time', async () => {
    await session.openDashboard('#/metrics');
    await session.page.locator('svg[aria-label="Tasks finished per minute"] rect').first().waitFor(WAIT);
    await expect(session.page.locator('.stat-completed .stat-value').textContent()).resolves.not.toBe('0');
    // The api's own counts, per priority and per workflow.
    const serverMetrics = session.page.getByTestId('server-metrics');
    await serverMetrics.waitFor(WAIT);
    await expect(serverMetrics.locator('tbody tr', { hasText: 'pipeline' }).count()).resolves.toBe(1);
    // Whether anything runs the queue, and how long the longest run has lasted (a stuck node).
    await expect(session.page.getByTestId('workers-alive').textContent()).resolves.toMatch(
      /^1 worker process alive\./,
    );
    await expect(serverMetrics.locator('thead th', { hasText: 'Longest run' }).count()).resolves.toBe(1);
    await session.screenshot('metrics');
  });
});
