import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createClient } from '@kaygraph/client';
import { isTerminalStatus } from '@kaygraph/contracts';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/browser.ts';
import { buildDashboard } from './support/build.ts';
import { type Stack, startStack } from './support/stack.ts';

/**
 * The dashboard in a real Chromium against a real api, worker and database: what an operator
 * sees. Screenshots go to docs/screenshots/ for the README.
 */

const SCREENSHOTS = fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url));
// Bounds for things that happen by themselves (a task running); generous for a loaded CI machine.
const WAIT = { timeout: 60_000 };

let stack: Stack;
let browser: Browser;
let page: Page;
let client: ReturnType<typeof createClient>;
const pageErrors: string[] = [];

beforeAll(async () => {
  await buildDashboard();
  mkdirSync(SCREENSHOTS, { recursive: true });
  stack = await startStack();
  client = createClient({ url: stack.url });
  browser = await launchChromium();
  // Reduced motion: bars jump to their value, so screenshots never catch them mid-animation.
  page = await browser.newPage({
    viewport: { width: 1360, height: 900 },
    deviceScaleFactor: 1,
    reducedMotion: 'reduce',
  });
  page.on('pageerror', (error) => pageErrors.push(error.message));
});

afterEach(() => {
  // A script error in the page is a failure even when the page still looks right.
  expect(pageErrors).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  client?.close();
  await stack?.[Symbol.asyncDispose]();
});

async function openDashboard(hash: string): Promise<void> {
  await page.goto(`${stack.url}/dashboard/${hash}`);
  await page.locator('[data-testid="connection"].connection-live').waitFor(WAIT);
}

/** Waits on the task's own event stream (the typed client's watch), not by polling. */
async function waitForStatus(taskId: string, status: string): Promise<void> {
  for await (const event of client.watch(taskId)) {
    if (event.type === 'status' && event.status === status) return;
  }
  throw new Error(`task ${taskId} ended without reaching ${status}`);
}

async function screenshot(name: string): Promise<void> {
  await page.screenshot({ path: `${SCREENSHOTS}dashboard-${name}.png`, fullPage: true });
}

describe('dashboard in a browser', () => {
  it('is served by the api under /dashboard', async () => {
    const response = await fetch(`${stack.url}/dashboard/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    await openDashboard('#/');
    await expect(page.title()).resolves.toContain('KayGraph Tasks');
  });

  it('submits a task from the generated form and shows its bar reach 100 %', async () => {
    await openDashboard('#/submit?workflow=pipeline');
    const form = page.getByTestId('submit-form');
    await form.locator('#param-items').fill('12');
    await form.locator('#param-item_ms').fill('150');
    await form.locator('#param-label').fill('from the browser');
    await screenshot('submit');
    await form.getByRole('button', { name: 'Submit task' }).click();

    // The form leads to the new task's page, where the bar follows the live events.
    await page.waitForURL(/#\/tasks\/[0-9a-f-]{36}$/, WAIT);
    const taskId = page.url().split('/').at(-1) ?? '';
    await page.locator(`[data-task-id="${taskId}"] [role="progressbar"][aria-valuenow="100"]`).waitFor(WAIT);
    await page.locator('.task-header .badge-completed').waitFor(WAIT);
    await page.getByTestId('node-metrics').waitFor(WAIT);
    await expect(page.getByTestId('node-metrics').locator('tbody tr').count()).resolves.toBe(3);
    await expect(page.getByTestId('event-history').textContent()).resolves.toContain('transform');
    await expect(page.locator('.json').last().textContent()).resolves.toContain('from the browser');
    await screenshot('task');

    const stored = await client.tasks.get.query({ task_id: taskId });
    expect(stored).toMatchObject({ status: 'completed', progress: 100, params: { items: 12, item_ms: 150 } });
  });

  it('shows tasks submitted elsewhere live and cancels one from the active list', async () => {
    await openDashboard('#/');
    const long = await client.tasks.submit.mutate({
      workflow: 'pipeline',
      params: { items: 400, item_ms: 200 },
    });
    // More than the worker's 4 slots, so the queue status has something waiting too.
    const others = await Promise.all(
      (['high', 'high', 'normal', 'low', 'low'] as const).map((priority, index) =>
        client.tasks.submit.mutate({
          workflow: 'pipeline',
          params: { items: 80 + index * 20, item_ms: 250 },
          priority,
        }),
      ),
    );
    const row = page.locator(`[data-testid="active-tasks"] tr[data-task-id="${long.task_id}"]`);
    await row.locator('.badge-running').waitFor(WAIT);
    // The bar moves with the feed's progress events, without a reload.
    await page.waitForFunction(
      (id) => {
        const bar = document.querySelector(`tr[data-task-id="${id}"] [role="progressbar"]`);
        return Number(bar?.getAttribute('aria-valuenow') ?? 0) >= 5;
      },
      long.task_id,
      WAIT,
    );
    await page.locator('[data-testid="queue-status"]').waitFor(WAIT);
    await screenshot('active');

    await row.getByRole('button', { name: 'Cancel' }).click();
    await row.waitFor({ state: 'detached', ...WAIT });
    const cancelled = await client.tasks.get.query({ task_id: long.task_id });
    expect(cancelled.status).toBe('cancelled');
    // Leave the worker free for the next test.
    for (const task of others) {
      const { status } = await client.tasks.get.query({ task_id: task.task_id });
      if (!isTerminalStatus(status)) await client.tasks.cancel.mutate({ task_id: task.task_id });
    }
  });

  it('lists a failed task in the error log with its error and stack', async () => {
    await openDashboard('#/errors');
    const failing = await client.tasks.submit.mutate({
      workflow: 'pipeline',
      params: { items: 10, item_ms: 30, fail_in: 'transform' },
    });
    const entry = page.locator(`[data-testid="error-log"] li[data-task-id="${failing.task_id}"]`);
    await entry.waitFor(WAIT);
    await expect(entry.locator('.error-message').textContent()).resolves.toContain(
      'transform failed on purpose',
    );
    await entry.locator('summary', { hasText: 'Stack trace' }).click();
    await expect(entry.locator('.stack').textContent()).resolves.toContain('Error');
    await screenshot('errors');
  });

  it('lists the failed task as a dead letter and redrives it', async () => {
    const failing = await client.tasks.submit.mutate({
      workflow: 'pipeline',
      params: { items: 6, item_ms: 20, fail_in: 'load' },
    });
    await waitForStatus(failing.task_id, 'failed');
    await openDashboard('#/dead-letters');
    const row = page.locator(`[data-testid="dead-letters"] tr[data-task-id="${failing.task_id}"]`);
    await row.waitFor(WAIT);
    await expect(row.textContent()).resolves.toContain('load failed on purpose');
    await screenshot('dead-letters');

    await row.getByRole('button', { name: 'Redrive' }).click();
    await row.waitFor({ state: 'detached', ...WAIT });
    // The task runs again: its history shows it queued or running after the failure.
    await openDashboard(`#/tasks/${failing.task_id}`);
    const history = page.getByTestId('event-history');
    await history
      .locator(
        'tr:has(.badge-failed) ~ tr:has(.badge-queued), tr:has(.badge-failed) ~ tr:has(.badge-running)',
      )
      .first()
      .waitFor(WAIT);
  });

  it('shows groups with their aggregate progress and schedules with their next runs', async () => {
    const group = await client.trpc.groups.create.mutate({
      name: 'nightly batch',
      tasks: [4, 6, 8].map((items) => ({ workflow: 'pipeline', params: { items, item_ms: 20 } })),
    });
    await openDashboard('#/groups');
    const groupRow = page.locator(`[data-testid="groups"] tr[data-group-id="${group.group_id}"]`);
    await groupRow.locator('.badge-completed').waitFor(WAIT);
    await expect(groupRow.locator('[role="progressbar"]').getAttribute('aria-valuenow')).resolves.toBe('100');
    await screenshot('groups');
    // The group's own page lists every task with its result.
    await groupRow.getByRole('link', { name: /nightly batch/ }).click();
    const tasks = page.getByTestId('group-tasks');
    await tasks.waitFor(WAIT);
    await expect(tasks.locator('tbody tr').count()).resolves.toBe(3);
    await expect(tasks.textContent()).resolves.toContain('"records":8');

    const schedule = await client.trpc.schedules.create.mutate({
      name: 'hourly digest',
      cron: '0 * * * *',
      timezone: 'UTC',
      workflow: 'pipeline',
      params: { items: 5 },
    });
    await openDashboard('#/schedules');
    const scheduleRow = page.locator(
      `[data-testid="schedules"] tr[data-schedule-id="${schedule.schedule_id}"]`,
    );
    await scheduleRow.getByText('active').waitFor(WAIT);
    await expect(scheduleRow.textContent()).resolves.toContain('0 * * * *');
    await screenshot('schedules');
    await scheduleRow.getByRole('button', { name: 'Pause' }).click();
    await scheduleRow.getByText('paused').waitFor(WAIT);
    await expect(
      client.trpc.schedules.get.query({ schedule_id: schedule.schedule_id }),
    ).resolves.toMatchObject({
      enabled: false,
    });
  });

  it('stays live across an api restart', async () => {
    await openDashboard('#/');
    await stack.restartApi();
    // The page reconnects by itself and re-reads the state; then new tasks show up live again.
    await page.locator('[data-testid="connection"].connection-live').waitFor(WAIT);
    const after = await client.tasks.submit.mutate({
      workflow: 'pipeline',
      params: { items: 40, item_ms: 100 },
    });
    const row = page.locator(`[data-testid="active-tasks"] tr[data-task-id="${after.task_id}"]`);
    await row.locator('.badge-running').waitFor(WAIT);
    await row.getByRole('button', { name: 'Cancel' }).click();
    await row.waitFor({ state: 'detached', ...WAIT });
  });

  it('draws the last hour of throughput and run time', async () => {
    await openDashboard('#/metrics');
    await page.locator('svg[aria-label="Tasks finished per minute"] rect').first().waitFor(WAIT);
    await expect(page.locator('.stat-completed .stat-value').textContent()).resolves.not.toBe('0');
    // The api's own counts, per priority and per workflow.
    const serverMetrics = page.getByTestId('server-metrics');
    await serverMetrics.waitFor(WAIT);
    await expect(serverMetrics.locator('tbody tr', { hasText: 'pipeline' }).count()).resolves.toBe(1);
    await screenshot('metrics');
  });
});

describe('pages of procedures a server may lack', () => {
  it.each(['dead-letters', 'schedules', 'groups'])(
    '%s shows its data, an empty state or "not available", never an error',
    async (name) => {
      await openDashboard(`#/${name}`);
      await page.locator(`[data-state], [data-testid="${name}"]`).first().waitFor(WAIT);
      await expect(page.getByRole('alert').count()).resolves.toBe(0);
    },
  );
});

describe('dashboard on a server that requires an API key', () => {
  it('asks for a key instead of showing an empty page, and says when a key is refused', async () => {
    await using locked = await startStack({ authRequired: true, worker: false });
    const own = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    try {
      await own.goto(`${locked.url}/dashboard/#/`);
      const banner = own.getByTestId('key-required');
      await banner.waitFor(WAIT);
      await expect(banner.textContent()).resolves.toContain('This server requires an API key.');
      await banner.getByLabel('API key').fill('kg_not_a_real_key');
      await banner.getByRole('button', { name: 'Use' }).click();
      // The page starts over with the key: the server refuses it, and the banner says so.
      await own.getByText('The API key was refused.').waitFor(WAIT);
    } finally {
      await own.close();
    }
  });
});
